package checks

import (
	"github.com/oomguard/oomguard/lint/engine"
)

// OnlineMissingSeries reports selectors that match no series on a server
// that evaluates the file.
var OnlineMissingSeries = &engine.Check{
	ID:       "online/missing-series",
	Title:    "A selector that matches no series on the server",
	Severity: engine.Warning,
	Doc:      doc("online/missing-series"),
	File:     keepOnline,
	Files: func(c *engine.FilesContext) {
		files, skip := onlineFiles(c)
		eachOnline(c, files, func(j onlineJob, report func(engine.Span, engine.Severity, string, string)) {
			// An error is counted by the client and reported once a
			// server and kind.
			fs, _ := j.p.MissingSelectors(c.Config.Online.Ctx(), j.rule.expr, skip)
			for _, f := range fs {
				report(j.rule.spanOf(f.Node), 0, "", f.Msg)
			}
		})
	},
}
