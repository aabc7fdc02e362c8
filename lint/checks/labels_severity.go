package checks

import (
	"github.com/oomguard/oomguard/lint"
	"slices"
	"strings"
)

// LabelsSeverity wants a severity label with an allowed value.
var LabelsSeverity = &lint.Check{
	ID:       "labels/severity",
	Title:    "Alerts have a severity label",
	Severity: lint.Warning,
	Doc:      doc("labels/severity"),
	Rule: func(c *lint.RuleContext) {
		if !c.Rule.IsAlert() {
			return
		}
		v, ok := c.Rule.Labels.Get("severity")
		switch {
		case !ok:
			c.Report(c.Rule.Alert.Pos, "add labels: {severity: warning}", "alert %q has no severity label", c.Rule.Alert.Value)
		case !slices.Contains(c.Config.SeverityLabelValues, v.Value):
			c.Report(v.Pos, "", "severity %q is not one of %s", v.Value, strings.Join(c.Config.SeverityLabelValues, ", "))
		}
	},
}
