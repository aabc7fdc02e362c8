package checks

import (
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// FilesNoRules reports files that hold no rule.
var FilesNoRules = &engine.Check{
	ID:       "files/no-rules",
	Title:    "A file with no rule",
	Severity: engine.Warning,
	Doc:      doc("files/no-rules"),
	File: func(c *engine.FileContext) {
		if c.File.Rules() == 0 {
			c.Report(nil, nil, rules.Pos{Line: 1, Col: 1}, "", "the file defines no rule")
		}
	},
}
