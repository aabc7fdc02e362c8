package checks

import (
	"github.com/oomguard/oomguard/lint"
)

// IdentityAlertName wants alert names in CamelCase.
var IdentityAlertName = &lint.Check{
	ID:       "identity/alert-name",
	Title:    "Alert names are CamelCase",
	Severity: lint.Warning,
	Policy:   true,
	Doc:      doc("identity/alert-name"),
	Rule: func(c *lint.RuleContext) {
		n := c.Rule.Alert.Value
		if n == "" || c.Config.AlertNames.MatchString(n) {
			return
		}
		if c.Config.AlertNames == lint.DefaultAlertNames {
			c.Report(c.Rule.Alert.Pos, "", "alert name %q is not CamelCase", n)
			return
		}
		c.Report(c.Rule.Alert.Pos, "", "alert name %q does not match the configured alertNamePattern %s", n, c.Config.AlertNames)
	},
}
