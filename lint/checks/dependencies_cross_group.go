package checks

import (
	"slices"

	"github.com/oomguard/oomguard/lint"
)

// DependenciesCrossGroup reports recorded names read from another group.
var DependenciesCrossGroup = &lint.Check{
	ID:       "dependencies/cross-group",
	Title:    "A recording rule read from another group",
	Severity: lint.Info,
	Doc: `Rules of a group are evaluated in order, one after the other; groups are
evaluated independently. A recording rule that reads a series recorded in
another group sees it as of that group's last evaluation: up to an interval
late, and missing at first, so a chain of recording rules split over groups
can disagree with itself. Keep such chains in one group. Alerts reading
recorded series from other groups are the common pattern and are not
reported.`,
	File: keepSummary,
	Files: func(c *lint.FilesContext) {
		sums := summaries(c)
		recorded := recordingRulesOf(c)
		for _, s := range sums {
			for _, r := range s.rules {
				if r.alert {
					continue
				}
				g := &s.groups[r.group]
				for _, sel := range r.selectors {
					rs := recorded[sel.name]
					if len(rs) == 0 || slices.ContainsFunc(rs, func(rr recordingRule) bool { return rr.group == g }) {
						continue
					}
					c.ReportSpan(s.path, g.name, r.name, sel.span.span(), "", "%s is recorded in group %q: this group sees it one evaluation late", sel.name, rs[0].group.name)
				}
			}
		}
	},
}
