package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/engine"
)

// PromqlRateOfSum reports counter functions over an aggregation.
var PromqlRateOfSum = &engine.Check{
	ID:       "promql/rate-of-sum",
	Title:    "rate(), irate() or increase() of a sum",
	Severity: engine.Warning,
	Doc:      doc("promql/rate-of-sum"),
	Rule: func(c *engine.RuleContext) {
		inspectCalls(c.Rule.Parsed, func(call *parser.Call) {
			switch call.Func.Name {
			case "rate", "irate", "increase", "resets":
			default:
				return
			}
			if len(call.Args) == 0 {
				return
			}
			sq, ok := unwrapParens(call.Args[0]).(*parser.SubqueryExpr)
			if !ok {
				return
			}
			agg, ok := unwrapParens(sq.Expr).(*parser.AggregateExpr)
			if !ok || !summing(agg.Op) {
				return
			}
			c.ReportSpan(exprSpan(c.File, c.Rule, call), "take "+call.Func.Name+"() of each series, then "+agg.Op.String()+"()",
				"%s() of a %s(): a counter reset of one series shows as a drop of the whole sum, and %s() counts it back in full", call.Func.Name, agg.Op, call.Func.Name)
		})
	},
}

// summing reports whether an aggregation adds series up.
func summing(op parser.ItemType) bool {
	return op == parser.SUM || op == parser.COUNT
}

func unwrapParens(e parser.Expr) parser.Expr {
	for {
		p, ok := e.(*parser.ParenExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}
