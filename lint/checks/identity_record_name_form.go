package checks

import (
	"github.com/oomguard/oomguard/lint/engine"
)

// IdentityRecordNameForm wants recorded names of the team's form.
var IdentityRecordNameForm = &engine.Check{
	ID:       "identity/record-name-form",
	Title:    "Recording rule names follow the naming convention",
	Severity: engine.Warning,
	Policy:   true,
	Doc:      doc("identity/record-name-form"),
	Rule: func(c *engine.RuleContext) {
		n := c.Rule.Record.Value
		if n == "" || c.Config.RecordNames.MatchString(n) {
			return
		}
		if c.Config.RecordNames == engine.DefaultRecordNames {
			c.Report(c.Rule.Record.Pos, "name it level:metric:operations", "recording rule name %q is not of the form level:metric:operations", n)
			return
		}
		c.Report(c.Rule.Record.Pos, "", "recording rule name %q does not match the configured recordNamePattern %s", n, c.Config.RecordNames)
	},
}
