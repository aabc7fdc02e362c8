package checks

import (
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

// FilesNoRules reports files that hold no rule.
var FilesNoRules = &lint.Check{
	ID:       "files/no-rules",
	Title:    "A file with no rule",
	Severity: lint.Warning,
	Doc:      doc("files/no-rules"),
	File: func(c *lint.FileContext) {
		if c.File.Rules() == 0 {
			c.Report(nil, nil, rules.Pos{Line: 1, Col: 1}, "", "the file defines no rule")
		}
	},
}
