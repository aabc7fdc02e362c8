package checks

import (
	"slices"
	"strings"

	"github.com/oomguard/oomguard/lint/engine"
)

// LabelsSeverityValue wants the severity of alerts among the values a team
// allows.
var LabelsSeverityValue = &engine.Check{
	ID:       "labels/severity-value",
	Title:    "Alert severities are among the allowed values",
	Severity: engine.Warning,
	Policy:   true,
	Doc:      doc("labels/severity-value"),
	Rule: func(c *engine.RuleContext) {
		if !c.Rule.IsAlert() {
			return
		}
		if v, ok := c.Rule.Labels.Get("severity"); ok && !slices.Contains(c.Config.SeverityLabelValues, v.Value) {
			c.Report(v.Pos, "", "severity %q is not one of %s", v.Value, strings.Join(c.Config.SeverityLabelValues, ", "))
		}
	},
}
