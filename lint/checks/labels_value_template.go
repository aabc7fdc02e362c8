package checks

import (
	"github.com/oomguard/oomguard/lint"
	"strings"
)

// LabelsValueTemplate reports $value in labels.
var LabelsValueTemplate = &lint.Check{
	ID:       "labels/value-template",
	Title:    "No $value in alert labels",
	Severity: lint.Warning,
	Doc: `An alert's labels are its identity. A label templated with ` + "`$value`" + ` (or
` + "`.Value`" + `) changes with every evaluation, so Prometheus sees a new alert each
time: alerts flap, notifications repeat, ` + "`for`" + ` never completes. Put the value in
an annotation.`,
	Rule: func(c *lint.RuleContext) {
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
