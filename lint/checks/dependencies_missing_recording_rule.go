package checks

import (
	"github.com/oomguard/oomguard/lint"
	"github.com/prometheus/prometheus/promql/parser"
	"strings"
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
	Files: func(c *lint.FilesContext) {
		recorded := recordingRules(c)
		for _, f := range c.Files {
			for _, g := range f.Groups() {
				for _, r := range g.Rules {
					selectors(r.Parsed, func(vs *parser.VectorSelector, _ []parser.Node) {
						name := metricName(vs)
						if strings.Contains(name, ":") && len(recorded[name]) == 0 {
							c.ReportSpan(f, g, r, exprSpan(f, r, vs), "", "%s is not recorded by any rule of the files linted", name)
						}
					})
				}
			}
		}
	},
}
