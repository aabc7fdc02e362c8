package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
)

// AlertsAbsentWithoutFor reports absent() alerts that fire at once.
var AlertsAbsentWithoutFor = &engine.Check{
	ID:       "alerts/absent-without-for",
	Title:    "absent() in an alert without for",
	Severity: engine.Warning,
	Doc:      doc("alerts/absent-without-for"),
	Rule: func(c *engine.RuleContext) {
		if !c.Rule.IsAlert() || c.Rule.Parsed == nil || c.Rule.For.D != 0 {
			return
		}
		astwalk.Inspect(c.Rule.Parsed, func(n parser.Node, path []parser.Node) error {
			if call, ok := n.(*parser.Call); ok && call.Func.Name == "absent" && !filterOperand(call, path) {
				c.ReportSpan(exprSpan(c.File, c.Rule, call), "add for: 5m", "alert %q uses absent() without for: it fires on every missed scrape", c.Rule.Alert.Value)
			}
			return nil
		})
	},
}

// filterOperand reports whether e is the right operand of and or unless
// (through parentheses): there it filters the left side's series and is
// not what an alert returns, so a missed scrape does not make it fire.
func filterOperand(e parser.Node, path []parser.Node) bool {
	child := e
	for i := len(path) - 1; i >= 0; i-- {
		switch p := path[i].(type) {
		case *parser.ParenExpr:
			child = p
			continue
		case *parser.BinaryExpr:
			return (p.Op == parser.LAND || p.Op == parser.LUNLESS) && p.RHS == child
		}
		return false
	}
	return false
}
