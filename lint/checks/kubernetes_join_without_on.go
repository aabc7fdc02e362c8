package checks

import (
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
)

// KubernetesJoinWithoutOn reports joins of cAdvisor and kube-state-metrics
// series that match on all labels.
var KubernetesJoinWithoutOn = &engine.Check{
	ID:       "kubernetes/join-without-on",
	Title:    "cAdvisor joined with kube-state-metrics without on(...)",
	Severity: engine.Warning,
	Doc:      doc("kubernetes/join-without-on"),
	Rule: func(c *engine.RuleContext) {
		if c.Rule.Parsed == nil {
			return
		}
		astwalk.Inspect(c.Rule.Parsed, func(n parser.Node, _ []parser.Node) error {
			b, ok := n.(*parser.BinaryExpr)
			if !ok || b.VectorMatching == nil || b.VectorMatching.On || len(b.VectorMatching.MatchingLabels) > 0 {
				return nil
			}
			if b.Op == parser.LOR {
				return nil // or keeps both sides: nothing has to match
			}
			if sources(b.LHS)["cadvisor"] && sources(b.RHS)["ksm"] || sources(b.LHS)["ksm"] && sources(b.RHS)["cadvisor"] {
				c.ReportSpan(exprSpan(c.File, c.Rule, b), "add on (namespace, pod, container)",
					"cAdvisor and kube-state-metrics series joined on all their labels: they never match; join on (namespace, pod, container)")
			}
			return nil
		})
	},
}

// sources says which exporters the raw series of an expression come from,
// unless an aggregation keeps only some of their labels.
func sources(e parser.Expr) map[string]bool {
	out := map[string]bool{}
	if agg, ok := e.(*parser.AggregateExpr); ok && (agg.Without || len(agg.Grouping) > 0 || agg.Op != parser.TOPK && agg.Op != parser.BOTTOMK) {
		return out // an aggregation decides the labels
	}
	selectors(e, func(vs *parser.VectorSelector, path []parser.Node) {
		for _, p := range path {
			if _, ok := p.(*parser.AggregateExpr); ok {
				return
			}
		}
		name := metricName(vs)
		switch {
		case isCadvisorMetric(name):
			out["cadvisor"] = true
		case strings.HasPrefix(name, "kube_"):
			out["ksm"] = true
		}
	})
	return out
}
