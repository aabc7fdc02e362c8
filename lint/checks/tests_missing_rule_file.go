package checks

import (
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// TestsMissingRuleFile reports rule_files entries of unit-test files that
// name no file.
var TestsMissingRuleFile = &engine.Check{
	ID:       "tests/missing-rule-file",
	Title:    "A unit-test file reads a rule file that does not exist",
	Severity: engine.Error,
	Doc:      doc("tests/missing-rule-file"),
	Test: func(c *engine.TestContext) {
		for _, m := range c.Missing {
			c.Report(engine.Span{Start: m.Pos, End: rules.Pos{Line: m.Pos.Line, Col: m.Pos.Col + len([]rune(m.Text))}}, "",
				"rule file %q does not exist (relative to the test file's directory): promtool fails every test of the file", m.Text)
		}
	},
}
