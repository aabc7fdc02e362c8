package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
)

// AlertsAbsentWithoutFor reports absent() alerts that fire at once.
var AlertsAbsentWithoutFor = &lint.Check{
	ID:       "alerts/absent-without-for",
	Title:    "absent() in an alert without for",
	Severity: lint.Warning,
	Doc:      doc("alerts/absent-without-for"),
	Rule: func(c *lint.RuleContext) {
		if !c.Rule.IsAlert() || c.Rule.Parsed == nil || c.Rule.For.D != 0 {
			return
		}
		parser.Inspect(c.Rule.Parsed, func(n parser.Node, _ []parser.Node) error {
			if call, ok := n.(*parser.Call); ok && call.Func.Name == "absent" {
				c.ReportSpan(exprSpan(c.File, c.Rule, call), "add for: 5m", "alert %q uses absent() without for: it fires on every missed scrape", c.Rule.Alert.Value)
			}
			return nil
		})
	},
}
