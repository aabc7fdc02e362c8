package checks

import (
	"slices"
	"strings"

	"github.com/oomguard/oomguard/lint"
)

// LabelsSeverityValue wants the severity of alerts among the values a team
// allows.
var LabelsSeverityValue = &lint.Check{
	ID:       "labels/severity-value",
	Title:    "Alert severities are among the allowed values",
	Severity: lint.Warning,
	Policy:   true,
	Doc:      doc("labels/severity-value"),
	Rule: func(c *lint.RuleContext) {
		if !c.Rule.IsAlert() {
			return
		}
		if v, ok := c.Rule.Labels.Get("severity"); ok && !slices.Contains(c.Config.SeverityLabelValues, v.Value) {
			c.Report(v.Pos, "", "severity %q is not one of %s", v.Value, strings.Join(c.Config.SeverityLabelValues, ", "))
		}
	},
}
