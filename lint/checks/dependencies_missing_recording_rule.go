package checks

import (
	"strings"

	"github.com/oomguard/oomguard/lint"
)

// DependenciesMissingRecordingRule reports recorded names no rule records.
var DependenciesMissingRecordingRule = &lint.Check{
	ID:       "dependencies/missing-recording-rule",
	Title:    "A recording rule that no file defines",
	Severity: lint.Warning,
	Doc: `The rule reads a recorded series (a name with colons, by the naming
convention) that no rule of the files linted records. Either the recording
rule lives elsewhere (lint it together) or it was renamed or removed and the
expression returns nothing, for ever.`,
	File: keepSummary,
	Files: func(c *lint.FilesContext) {
		sums := summaries(c)
		recorded := recordingRulesOf(c)
		for _, s := range sums {
			for _, r := range s.rules {
				for _, sel := range r.selectors {
					if strings.Contains(sel.name, ":") && len(recorded[sel.name]) == 0 {
						c.ReportSpan(s.path, s.groups[r.group].name, r.name, sel.span.span(), "", "%s is not recorded by any rule of the files linted", sel.name)
					}
				}
			}
		}
	},
}
