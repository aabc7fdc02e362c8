package checks

import (
	"strings"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/summary"
)

// DependenciesMissingRecordingRule reports recorded names no rule records.
var DependenciesMissingRecordingRule = &engine.Check{
	ID:       "dependencies/missing-recording-rule",
	Title:    "A recording rule that no file defines",
	Severity: engine.Warning,
	Doc:      doc("dependencies/missing-recording-rule"),
	File:     summary.Keep,
	Files: func(c *engine.FilesContext) {
		sums := summary.All(c)
		recorded := summary.RecordingRules(c)
		for _, s := range sums {
			for _, r := range s.Rules {
				for _, sel := range r.Selectors {
					if recordedName(sel.Name) && len(recorded[sel.Name]) == 0 {
						c.ReportSpan(s.Path, s.Groups[r.Group].Name, r.Name, sel.Span.Span(), "", "%s is not recorded by any rule of the files linted", sel.Name)
					}
				}
			}
		}
	},
}

// recordedName reports whether a metric name is a recorded one by the
// naming convention: with a colon, but not at its start, where exporters
// put theirs (TensorFlow Serving's :tensorflow:serving:request_count).
func recordedName(name string) bool {
	return strings.Contains(name, ":") && !strings.HasPrefix(name, ":")
}
