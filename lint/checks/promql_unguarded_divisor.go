package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
)

// PromqlUnguardedDivisor reports divisions by a gauge whose 0 means
// "not set", without a filter on the divisor.
var PromqlUnguardedDivisor = &engine.Check{
	ID:       "promql/unguarded-divisor",
	Title:    "Division by a gauge that is 0 when unset, without > 0",
	Severity: engine.Warning,
	Doc:      doc("promql/unguarded-divisor"),
	Rule: func(c *engine.RuleContext) {
		cat := c.Config.Metrics
		if c.Rule.Parsed == nil {
			return
		}
		astwalk.Inspect(c.Rule.Parsed, func(n parser.Node, path []parser.Node) error {
			b, ok := n.(*parser.BinaryExpr)
			if !ok || b.Op != parser.DIV {
				return nil
			}
			inAgg := ""
			for _, p := range path {
				if a, ok := p.(*parser.AggregateExpr); ok && keepsNonFinite(a.Op) {
					inAgg = a.Op.String()
				}
			}
			zeroDivisors(b.RHS, func(vs *parser.VectorSelector) {
				name := metricName(vs)
				zero := cat.ZeroMeans(name)
				if zero == "" {
					return
				}
				effect := "those series come out as +Inf, which passes any > threshold"
				if inAgg != "" {
					effect = "one +Inf or NaN turns the " + inAgg + "() of its group into +Inf or NaN"
				}
				c.ReportSpan(exprSpan(c.File, c.Rule, vs), "filter the divisor: ("+name+" > 0)",
					"division by %s, which is 0 for %s: x / 0 is +Inf and 0 / 0 is NaN; %s", name, zero, effect)
			})
			return nil
		})
	},
}

// keepsNonFinite reports whether an aggregation passes +Inf or NaN of one
// series on to its result.
func keepsNonFinite(op parser.ItemType) bool {
	switch op {
	case parser.SUM, parser.AVG, parser.STDDEV, parser.STDVAR, parser.MAX, parser.QUANTILE:
		return true
	}
	return false
}

// zeroDivisors calls fn for each selector of e whose zeros reach the value
// of e unchanged.
func zeroDivisors(e parser.Expr, fn func(*parser.VectorSelector)) {
	switch e := e.(type) {
	case *parser.VectorSelector:
		fn(e)
	case *parser.ParenExpr:
		zeroDivisors(e.Expr, fn)
	case *parser.MatrixSelector:
		zeroDivisors(e.VectorSelector, fn)
	case *parser.SubqueryExpr:
		zeroDivisors(e.Expr, fn)
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.SUM, parser.AVG, parser.MIN, parser.MAX, parser.QUANTILE, parser.TOPK, parser.BOTTOMK:
			zeroDivisors(e.Expr, fn)
		}
	case *parser.BinaryExpr:
		switch {
		case e.Op == parser.MUL:
			zeroDivisors(e.LHS, fn)
			zeroDivisors(e.RHS, fn)
		case e.Op == parser.DIV:
			zeroDivisors(e.LHS, fn)
		}
	case *parser.Call:
		switch e.Func.Name {
		case "max_over_time", "min_over_time", "avg_over_time", "last_over_time", "label_replace", "label_join",
			"sort", "sort_desc", "abs", "round", "floor", "ceil":
			if len(e.Args) > 0 {
				zeroDivisors(e.Args[0], fn)
			}
		case "quantile_over_time":
			if len(e.Args) > 1 {
				zeroDivisors(e.Args[1], fn)
			}
		}
	}
}
