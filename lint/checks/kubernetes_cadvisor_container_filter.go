package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
)

// KubernetesCadvisorContainerFilter reports cAdvisor series aggregated
// without leaving out the pod-level cgroup.
var KubernetesCadvisorContainerFilter = &lint.Check{
	ID:       "kubernetes/cadvisor-container-filter",
	Title:    "cAdvisor series aggregated with the pod cgroup",
	Severity: lint.Warning,
	Doc:      doc("kubernetes/cadvisor-container-filter"),
	Rule: func(c *lint.RuleContext) {
		selectors(c.Rule.Parsed, func(vs *parser.VectorSelector, path []parser.Node) {
			if !isCadvisorMetric(metricName(vs)) || matcher(vs, "container") != nil || matcher(vs, "image") != nil {
				return
			}
			agg, kept := mergesPodCgroup(path)
			if agg == nil {
				return
			}
			const add = `container!="", image!=""`
			msg := fmt.Sprintf("%s is aggregated without container!=\"\": the pod-level cgroup series count the pod twice", metricName(vs))
			if kept != nil {
				msg = fmt.Sprintf("%s is aggregated without container!=\"\": %s keeps container, but %s then drops it, and the pod-level cgroup series count the pod twice",
					metricName(vs), describeAggregation(kept), describeAggregation(agg))
			}
			if at, repl, ok := insertMatchers(c.Rule.Expr.Value, vs, add); ok {
				c.ReportFix(exprSpan(c.File, c.Rule, vs), at, at, repl, "add "+add, "%s", msg)
			} else {
				c.ReportSpan(exprSpan(c.File, c.Rule, vs), "add "+add, "%s", msg)
			}
		})
	},
}

// mergesPodCgroup returns the first aggregation above a cAdvisor selector,
// from the inside out, that sums its series without keeping container:
// there the pod cgroup's container="" series and its containers' are added
// up together. Aggregations below it that keep container keep the pod
// cgroup apart; kept is the first of them, or nil.
func mergesPodCgroup(path []parser.Node) (merges, kept *parser.AggregateExpr) {
	for i := len(path) - 1; i >= 0; i-- {
		agg, ok := path[i].(*parser.AggregateExpr)
		if !ok || agg.Op == parser.TOPK || agg.Op == parser.BOTTOMK {
			continue
		}
		if slices.Contains(agg.Grouping, "container") != agg.Without {
			if kept == nil {
				kept = agg
			}
			continue
		}
		return agg, kept
	}
	return nil, nil
}

// insertMatchers returns where to insert matchers into the text of selector
// vs in expr, and the text to insert: inside its braces, or in new braces
// after the metric name.
func insertMatchers(expr string, vs *parser.VectorSelector, matchers string) (int, string, bool) {
	r := vs.PositionRange()
	if r.Start < 0 || int(r.End) > len(expr) || r.Start >= r.End {
		return 0, "", false
	}
	start, text := int(r.Start), expr[r.Start:r.End]
	i := 0
	if vs.Name != "" {
		if !strings.HasPrefix(text, vs.Name) {
			return 0, "", false
		}
		i = len(vs.Name)
	}
	j := i
	for j < len(text) && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n') {
		j++
	}
	if j >= len(text) || text[j] != '{' {
		if vs.Name == "" {
			return 0, "", false
		}
		return start + i, "{" + matchers + "}", true
	}
	// Find the closing brace, past string literals.
	var quote byte
	for k := j + 1; k < len(text); k++ {
		ch := text[k]
		switch {
		case quote != 0 && ch == '\\' && quote != '`':
			k++
		case quote != 0 && ch == quote:
			quote = 0
		case quote != 0:
		case ch == '"' || ch == '\'' || ch == '`':
			quote = ch
		case ch == '}':
			inner := strings.TrimRight(text[j+1:k], " \t\n")
			switch {
			case inner == "":
				return start + j + 1 + len(inner), matchers, true
			case strings.HasSuffix(inner, ","):
				return start + j + 1 + len(inner), " " + matchers, true
			}
			return start + j + 1 + len(inner), ", " + matchers, true
		}
	}
	return 0, "", false
}
