package checks

import (
	"strconv"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/catalog"
	"github.com/oomguard/oomguard/lint/engine"
)

// PromqlImpossibleComparison reports comparisons that the value range of
// the metric makes always false.
var PromqlImpossibleComparison = &engine.Check{
	ID:       "promql/impossible-comparison",
	Title:    "A comparison the metric's values can never satisfy",
	Severity: engine.Error,
	Doc:      doc("promql/impossible-comparison"),
	Rule: func(c *engine.RuleContext) {
		cat := c.Config.Metrics
		if c.Rule.Parsed == nil {
			return
		}
		astwalk.Inspect(c.Rule.Parsed, func(n parser.Node, _ []parser.Node) error {
			b, ok := n.(*parser.BinaryExpr)
			if !ok || !b.Op.IsComparisonOperator() {
				return nil
			}
			op, vec, lit := b.Op, b.LHS, b.RHS
			v, ok := numberOf(lit)
			if !ok {
				if v, ok = numberOf(b.LHS); !ok {
					return nil
				}
				op, vec = flipComparison(op), b.RHS
			}
			r, what, ok := valueRange(cat, vec)
			if !ok || !never(op, v, r) {
				return nil
			}
			hint := ""
			switch {
			case r.Min == 0 && r.Max == 1:
				hint = "a 0/1 state: compare with == 1"
			case r.Min == r.Max:
				hint = "it is always " + strconv.FormatFloat(r.Min, 'g', -1, 64) + ": test for its series instead"
			}
			c.ReportSpan(exprSpan(c.File, c.Rule, b), hint, "%s %s never holds: %s %s", op, strconv.FormatFloat(v, 'g', -1, 64), what, describeRange(r))
			return nil
		})
	},
}

func describeRange(r catalog.Range) string {
	if r.Min == r.Max {
		return "is always " + strconv.FormatFloat(r.Min, 'g', -1, 64)
	}
	return "ranges from " + strconv.FormatFloat(r.Min, 'g', -1, 64) + " to " + strconv.FormatFloat(r.Max, 'g', -1, 64)
}

// never reports whether x op v is false for every x in r.
func never(op parser.ItemType, v float64, r catalog.Range) bool {
	switch op {
	case parser.GTR:
		return v >= r.Max
	case parser.GTE:
		return v > r.Max
	case parser.LSS:
		return v <= r.Min
	case parser.LTE:
		return v < r.Min
	case parser.EQLC:
		return v < r.Min || v > r.Max
	case parser.NEQ:
		return r.Min == r.Max && v == r.Min
	}
	return false
}

// valueRange returns the range of the values of e, when the catalog bounds
// them, and what it is of.
func valueRange(cat *catalog.Catalog, e parser.Expr) (catalog.Range, string, bool) {
	switch e := e.(type) {
	case *parser.VectorSelector:
		name := metricName(e)
		r, ok := cat.Range(name)
		return r, name, ok
	case *parser.MatrixSelector:
		return valueRange(cat, e.VectorSelector)
	case *parser.ParenExpr:
		return valueRange(cat, e.Expr)
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.MAX, parser.MIN, parser.AVG, parser.TOPK, parser.BOTTOMK, parser.LIMITK, parser.LIMIT_RATIO:
			return valueRange(cat, e.Expr)
		}
	case *parser.Call:
		switch e.Func.Name {
		case "max_over_time", "min_over_time", "avg_over_time", "last_over_time", "first_over_time",
			"sort", "sort_desc", "label_replace", "label_join":
			if len(e.Args) > 0 {
				return valueRange(cat, e.Args[0])
			}
		}
	case *parser.BinaryExpr:
		if e.Op.IsComparisonOperator() && e.ReturnBool {
			return catalog.Range{Min: 0, Max: 1}, "a bool comparison", true
		}
		switch {
		case e.Op == parser.LAND || e.Op == parser.LUNLESS:
			return valueRange(cat, e.LHS)
		case e.Op.IsComparisonOperator() && e.RHS.Type() == parser.ValueTypeScalar:
			return valueRange(cat, e.LHS)
		case e.Op.IsComparisonOperator() && e.LHS.Type() == parser.ValueTypeScalar:
			return valueRange(cat, e.RHS)
		}
	}
	return catalog.Range{}, "", false
}
