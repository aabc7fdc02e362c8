package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
)

// PromqlTopkInAlert reports ranking aggregations in alerts.
var PromqlTopkInAlert = &lint.Check{
	ID:       "promql/topk-in-alert",
	Title:    "topk(), bottomk() or limitk() in an alert",
	Severity: lint.Warning,
	Doc: `An alert fires one alert per series its expression returns. With ` + "`topk()`" + `,
` + "`bottomk()`" + `, ` + "`limitk()`" + ` or ` + "`limit_ratio()`" + ` the set of series depends on a
ranking: when two containers swap places, one alert resolves and another
starts, each ` + "`for`" + ` begins again, and notifications flap. Alert on a threshold
(` + "`> 0.9`" + `) and leave rankings to dashboards.

A ranking on the "one" side of a ` + "`group_left`" + ` or ` + "`group_right`" + ` join, such as
` + "`* on (namespace, pod) group_left (node) topk by (namespace, pod) (1, kube_pod_info)`" + `,
is not reported: it keeps one series a group so that the join works (two
kube-state-metrics replicas, say), it does not decide which alerts fire.`,
	Rule: func(c *lint.RuleContext) {
		if !c.Rule.IsAlert() || c.Rule.Parsed == nil {
			return
		}
		parser.Inspect(c.Rule.Parsed, func(n parser.Node, path []parser.Node) error {
			agg, ok := n.(*parser.AggregateExpr)
			if !ok || joinOneSide(agg, path) {
				return nil
			}
			switch agg.Op {
			case parser.TOPK, parser.BOTTOMK, parser.LIMITK, parser.LIMIT_RATIO:
				c.ReportSpan(exprSpan(c.File, c.Rule, agg), "alert on a threshold instead",
					"%s() in alert %q: the series it returns change with the ranking, so alerts resolve and fire again as values move", agg.Op, c.Rule.Alert.Value)
			}
			return nil
		})
	},
}

// joinOneSide reports whether e, with the chain of nodes above it, is the
// "one" side of a group_left or group_right join.
func joinOneSide(e parser.Node, path []parser.Node) bool {
	child := e
	for i := len(path) - 1; i >= 0; i-- {
		switch n := path[i].(type) {
		case *parser.ParenExpr:
			child = n
			continue
		case *parser.BinaryExpr:
			if vm := n.VectorMatching; vm != nil {
				switch vm.Card {
				case parser.CardManyToOne:
					return child == n.RHS
				case parser.CardOneToMany:
					return child == n.LHS
				}
			}
		}
		return false
	}
	return false
}
