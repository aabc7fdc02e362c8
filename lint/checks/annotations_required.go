package checks

import (
	"github.com/oomguard/oomguard/lint/engine"
	"strings"
)

// AnnotationsRequired wants the annotations people act on.
var AnnotationsRequired = &engine.Check{
	ID:       "annotations/required",
	Title:    "Alerts have the annotations the team requires",
	Severity: engine.Warning,
	Policy:   true,
	Doc:      doc("annotations/required"),
	Rule: func(c *engine.RuleContext) {
		if !c.Rule.IsAlert() {
			return
		}
		var missing []string
		for _, a := range c.Config.RequiredAnnotations {
			if v, ok := c.Rule.Annotations.Get(a); !ok || strings.TrimSpace(v.Value) == "" {
				missing = append(missing, a)
			}
		}
		if len(missing) > 0 {
			c.Report(c.Rule.Alert.Pos, "", "alert %q has no %s annotation", c.Rule.Alert.Value, strings.Join(missing, ", "))
		}
	},
}
