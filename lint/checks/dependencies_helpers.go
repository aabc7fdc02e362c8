package checks

import (
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

// recordingRule is a recording rule with the group and file it is in.
type recordingRule struct {
	rule  *rules.Rule
	group *rules.Group
	file  *rules.File
}

// recordingRulesKey is the Memo key of recordingRules.
type recordingRulesKey struct{}

// recordingRules maps a recorded name to the rules of everything loaded
// that record it, in the order of the files. It is made once per run for
// all the checks over everything; they must not modify it.
func recordingRules(c *lint.FilesContext) map[string][]recordingRule {
	return c.Memo(recordingRulesKey{}, func() any {
		out := map[string][]recordingRule{}
		for _, f := range c.Files {
			for _, g := range f.Groups() {
				for _, r := range g.Rules {
					if r.Record.Value != "" {
						out[r.Record.Value] = append(out[r.Record.Value], recordingRule{r, g, f})
					}
				}
			}
		}
		return out
	}).(map[string][]recordingRule)
}
