package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
)

// AlertsNoCondition reports alerts whose expression filters nothing.
var AlertsNoCondition = &lint.Check{
	ID:       "alerts/no-condition",
	Title:    "An alert with no condition",
	Severity: lint.Warning,
	Doc:      doc("alerts/no-condition"),
	Rule: func(c *lint.RuleContext) {
		if !c.Rule.IsAlert() || c.Rule.Parsed == nil {
			return
		}
		filters := false
		parser.Inspect(c.Rule.Parsed, func(n parser.Node, _ []parser.Node) error {
			switch e := n.(type) {
			case *parser.BinaryExpr:
				if e.Op.IsComparisonOperator() && !e.ReturnBool || e.Op == parser.LAND || e.Op == parser.LUNLESS {
					filters = true
				}
			case *parser.Call:
				switch e.Func.Name {
				case "absent", "absent_over_time":
					filters = true
				}
			case *parser.AggregateExpr:
				if e.Op == parser.TOPK || e.Op == parser.BOTTOMK || e.Op == parser.LIMITK || e.Op == parser.LIMIT_RATIO {
					filters = true
				}
			}
			return nil
		})
		if !filters {
			c.Report(c.Rule.Expr.Pos, "add the condition, such as > 0.9", "alert %q has no condition: it fires for every series its expression returns", c.Rule.Alert.Value)
		}
	},
}
