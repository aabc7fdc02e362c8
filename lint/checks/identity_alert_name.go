package checks

import (
	"github.com/oomguard/oomguard/lint"
)

// IdentityAlertName wants alert names in CamelCase.
var IdentityAlertName = &lint.Check{
	ID:       "identity/alert-name",
	Title:    "Alert names are CamelCase",
	Severity: lint.Warning,
	Doc: `Alert names are CamelCase (` + "`KubePodCrashLooping`" + `), the convention of
Prometheus's documentation and of every public mixin; routes and silences
match them by name.`,
	Rule: func(c *lint.RuleContext) {
		if n := c.Rule.Alert.Value; n != "" && !camelCase.MatchString(n) {
			c.Report(c.Rule.Alert.Pos, "", "alert name %q is not CamelCase", n)
		}
	},
}
