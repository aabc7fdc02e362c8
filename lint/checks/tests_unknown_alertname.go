package checks

import (
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// TestsUnknownAlertname reports alert tests of alerts no rule defines.
var TestsUnknownAlertname = &engine.Check{
	ID:       "tests/unknown-alertname",
	Title:    "A unit test expects an alert no rule of its rule files defines",
	Severity: engine.Error,
	Doc:      doc("tests/unknown-alertname"),
	Test: func(c *engine.TestContext) {
		if len(c.Missing) > 0 || len(c.Rules) == 0 {
			return // what the rules define is not known
		}
		defined := map[string]bool{}
		for _, f := range c.Rules {
			for _, g := range f.Groups() {
				for _, r := range g.Rules {
					if r.IsAlert() {
						defined[r.Alert.Value] = true
					}
				}
			}
		}
		for _, g := range c.Test.Groups {
			for _, at := range g.Alerts {
				if n := at.Alertname; n.Text != "" && !defined[n.Text] {
					c.Report(engine.Span{Start: n.Pos, End: rules.Pos{Line: n.Pos.Line, Col: n.Pos.Col + len([]rune(n.Text))}}, "",
						"no rule of the test's rule files defines alert %q: the test can only expect it not to fire, and says nothing", n.Text)
				}
			}
		}
	},
}
