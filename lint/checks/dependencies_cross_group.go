package checks

import (
	"slices"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/summary"
)

// DependenciesCrossGroup reports recorded names read from another group.
var DependenciesCrossGroup = &engine.Check{
	ID:       "dependencies/cross-group",
	Title:    "A recording rule read from another group",
	Severity: engine.Info,
	Doc:      doc("dependencies/cross-group"),
	File:     summary.Keep,
	Files: func(c *engine.FilesContext) {
		sums := summary.All(c)
		recorded := summary.RecordingRules(c)
		for _, s := range sums {
			for _, r := range s.Rules {
				if r.Alert {
					continue
				}
				g := &s.Groups[r.Group]
				for _, sel := range r.Selectors {
					rs := recorded[sel.Name]
					if len(rs) == 0 || slices.ContainsFunc(rs, func(rr summary.Recorded) bool { return rr.Group == g }) {
						continue
					}
					c.ReportSpan(s.Path, g.Name, r.Name, sel.Span.Span(), "", "%s is recorded in group %q: this group sees it one evaluation late", sel.Name, rs[0].Group.Name)
				}
			}
		}
	},
}
