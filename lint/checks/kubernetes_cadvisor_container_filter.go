package checks

import (
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
	Doc: `cAdvisor exports every container's cgroup and also the pod's own cgroup, whose
series have ` + "`container=\"\"`" + ` and ` + "`image=\"\"`" + ` and already hold the sum of the
containers. Summing a cAdvisor metric per pod or namespace without
` + "`container!=\"\"`" + ` counts every pod twice. Select the containers:
` + "`container_memory_working_set_bytes{container!=\"\", image!=\"\"}`" + `.`,
	Rule: func(c *lint.RuleContext) {
		selectors(c.Rule.Parsed, func(vs *parser.VectorSelector, path []parser.Node) {
			if !isCadvisorMetric(metricName(vs)) || matcher(vs, "container") != nil || matcher(vs, "image") != nil {
				return
			}
			for _, n := range path {
				if agg, ok := n.(*parser.AggregateExpr); ok && agg.Op != parser.TOPK && agg.Op != parser.BOTTOMK {
					const add = `container!="", image!=""`
					if at, repl, ok := insertMatchers(c.Rule.Expr.Value, vs, add); ok {
						c.ReportFix(exprSpan(c.File, c.Rule, vs), at, at, repl, "add "+add,
							"%s is aggregated without container!=\"\": the pod-level cgroup series count the pod twice", metricName(vs))
					} else {
						c.ReportSpan(exprSpan(c.File, c.Rule, vs), "add "+add,
							"%s is aggregated without container!=\"\": the pod-level cgroup series count the pod twice", metricName(vs))
					}
					return
				}
			}
		})
	},
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
