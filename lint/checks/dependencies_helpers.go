package checks

import (
	"github.com/oomguard/oomguard/rules"
)

// recorders maps a recorded name to the groups that record it.
func recorders(files []*rules.File) map[string][]*rules.Group {
	out := map[string][]*rules.Group{}
	for _, f := range files {
		for _, g := range f.Groups() {
			for _, r := range g.Rules {
				if r.Record.Value != "" {
					out[r.Record.Value] = append(out[r.Record.Value], g)
				}
			}
		}
	}
	return out
}
