package checks

import (
	"github.com/oomguard/oomguard/lint"
	"github.com/prometheus/prometheus/promql/parser"
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
	Files: func(c *lint.FilesContext) {
		recorded := recordingRules(c)
		for _, f := range c.Files {
			for _, g := range f.Groups() {
				for _, r := range g.Rules {
					if r.IsAlert() {
						continue
					}
					selectors(r.Parsed, func(vs *parser.VectorSelector, _ []parser.Node) {
						name := metricName(vs)
						rs := recorded[name]
						if len(rs) == 0 {
							return
						}
						for _, rr := range rs {
							if rr.group == g {
								return
							}
						}
						c.ReportSpan(f, g, r, exprSpan(f, r, vs), "", "%s is recorded in group %q: this group sees it one evaluation late", name, rs[0].group.Name.Value)
					})
				}
			}
		}
	},
}
