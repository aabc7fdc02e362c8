package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
)

// PromqlRateOfSum reports counter functions over an aggregation.
var PromqlRateOfSum = &lint.Check{
	ID:       "promql/rate-of-sum",
	Title:    "rate(), irate() or increase() of a sum",
	Severity: lint.Warning,
	Doc: `Counters restart at 0 when their process does, and ` + "`rate()`" + ` copes with that
by treating a decrease as a reset, series by series. Summing first hides
the reset of one series in the sum of all: the sum only dips, rate() takes
the dip for a reset of the whole sum and adds it all back, and the result
spikes. Take the rate of each series, then sum:
` + "`sum by (namespace) (rate(container_cpu_usage_seconds_total[5m]))`" + `, not
` + "`rate(sum by (namespace) (container_cpu_usage_seconds_total)[5m:])`" + `.
Recording a sum of a counter and taking rate() of the recorded series has
the same flaw; this check sees one expression at a time and does not follow
recording rules.`,
	Rule: func(c *lint.RuleContext) {
		parserInspectCalls(c.Rule.Parsed, func(call *parser.Call) {
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
