package checks

import (
	"github.com/oomguard/oomguard/lint/engine"
)

// LabelsSeverity wants a severity label on every alert.
var LabelsSeverity = &engine.Check{
	ID:       "labels/severity",
	Title:    "Alerts have a severity label",
	Severity: engine.Warning,
	Doc:      doc("labels/severity"),
	Rule: func(c *engine.RuleContext) {
		if !c.Rule.IsAlert() {
			return
		}
		if _, ok := c.Rule.Labels.Get("severity"); !ok {
			c.Report(c.Rule.Alert.Pos, "add labels: {severity: warning}", "alert %q has no severity label", c.Rule.Alert.Value)
		}
	},
}
