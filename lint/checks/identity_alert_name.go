package checks

import (
	"github.com/oomguard/oomguard/lint/engine"
)

// IdentityAlertName wants alert names in CamelCase.
var IdentityAlertName = &engine.Check{
	ID:       "identity/alert-name",
	Title:    "Alert names are CamelCase",
	Severity: engine.Warning,
	Policy:   true,
	Doc:      doc("identity/alert-name"),
	Rule: func(c *engine.RuleContext) {
		n := c.Rule.Alert.Value
		if n == "" || c.Config.AlertNames.MatchString(n) {
			return
		}
		if c.Config.AlertNames == engine.DefaultAlertNames {
			c.Report(c.Rule.Alert.Pos, "", "alert name %q is not CamelCase", n)
			return
		}
		c.Report(c.Rule.Alert.Pos, "", "alert name %q does not match the configured alertNamePattern %s", n, c.Config.AlertNames)
	},
}
