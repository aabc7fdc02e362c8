package checks

import (
	"github.com/oomguard/oomguard/lint/engine"
	"strings"
)

// LabelsValueTemplate reports $value in labels.
var LabelsValueTemplate = &engine.Check{
	ID:       "labels/value-template",
	Title:    "No $value in alert labels",
	Severity: engine.Warning,
	Doc:      doc("labels/value-template"),
	Rule: func(c *engine.RuleContext) {
		if !c.Rule.IsAlert() {
			return
		}
		for _, p := range c.Rule.Labels {
			if strings.Contains(p.Value.Value, "$value") || strings.Contains(p.Value.Value, ".Value") {
				c.Report(p.Value.Pos, "move it to an annotation", "label %q uses the alert's value: the alert changes identity at every evaluation", p.Key.Value)
			}
		}
	},
}
