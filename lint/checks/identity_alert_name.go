package checks

import (
	"regexp"

	"github.com/oomguard/oomguard/lint"
)

// IdentityAlertName wants alert names in CamelCase.
var IdentityAlertName = &lint.Check{
	ID:       "identity/alert-name",
	Title:    "Alert names are CamelCase",
	Severity: lint.Warning,
	Doc:      doc("identity/alert-name"),
	Rule: func(c *lint.RuleContext) {
		if n := c.Rule.Alert.Value; n != "" && !camelCase.MatchString(n) {
			c.Report(c.Rule.Alert.Pos, "", "alert name %q is not CamelCase", n)
		}
	},
}

var camelCase = regexp.MustCompile(`^[A-Z][a-zA-Z0-9]*$`)
