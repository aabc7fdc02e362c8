package checks

import (
	"fmt"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/online"
)

// OnlineMissingLabel reports labels a rule reads (in by, on, group_left,
// group_right and templates) that no series it reads carries on a server.
var OnlineMissingLabel = &engine.Check{
	ID:       "online/missing-label",
	Title:    "A label the rule reads that the series on the server never carry",
	Severity: engine.Warning,
	Doc:      doc("online/missing-label"),
	File:     keepOnline,
	Files: func(c *engine.FilesContext) {
		files, skip := onlineFiles(c)
		ctx := c.Config.Online.Ctx()
		eachOnline(c, files, func(j onlineJob, report func(engine.Span, engine.Severity, string, string)) {
			r := j.rule
			fs, _ := j.p.MissingLabels(ctx, online.LabelUses(r.expr), skip)
			for _, f := range fs {
				sp, ok := r.labelSpans[labelAt{f.Node, f.Label}]
				if !ok {
					sp = r.spanOf(f.Node)
				}
				report(sp, 0, "", f.Msg)
			}
			for _, t := range r.templates {
				feeds, made := online.Feeds(r.expr, t.label)
				if made || len(feeds) == 0 {
					continue
				}
				u := online.LabelUse{Label: t.label, Clause: fmt.Sprintf("the template of %q", t.key), Feeds: feeds}
				fs, _ := j.p.MissingLabels(ctx, []online.LabelUse{u}, skip)
				for _, f := range fs {
					report(t.span, 0, "", f.Msg)
				}
			}
		})
	},
}
