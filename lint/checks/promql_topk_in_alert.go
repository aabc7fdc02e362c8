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
	Doc:      doc("promql/topk-in-alert"),
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
