package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/oomguard/oomguard/lint/engine"
)

// OnlineRecordExists reports recording rules whose name the server already
// has from another source: a rule of another group, or series no rule of
// the server records.
var OnlineRecordExists = &engine.Check{
	ID:       "online/record-exists",
	Title:    "A recording rule's name that the server already has from another source",
	Severity: engine.Warning,
	Doc:      doc("online/record-exists"),
	File:     keepOnline,
	Files: func(c *engine.FilesContext) {
		files, recorded := onlineScope(c)
		ctx := c.Config.Online.Ctx()
		eachOnline(c, files, func(j onlineJob, report func(engine.Span, engine.Severity, string, string)) {
			r := j.rule
			if r.alert {
				return
			}
			rec, err := j.p.Record(ctx, r.name)
			if err != nil {
				return
			}
			ours := recorded[r.name]
			var others []string
			for _, sr := range rec.Rules {
				// A group of the rules linted that records the name:
				// this rule as deployed, maybe in an older version.
				if slices.Contains(ours, sr.Group) {
					continue
				}
				where := fmt.Sprintf("group %q", sr.Group)
				if sr.File != "" {
					where += " of " + sr.File
				}
				others = append(others, fmt.Sprintf("%s (%s)", where, sr.Query))
			}
			server := j.p.Client().Name()
			switch {
			case len(others) > 0:
				slices.Sort(others)
				others = slices.Compact(others)
				report(r.nameSpan, 0, "rename the rule, or drop one of the two",
					fmt.Sprintf("%s is already recorded on %s by %s: two rules writing one name mix their series",
						r.name, server, strings.Join(others, ", ")))
			case len(rec.Rules) == 0 && rec.Series:
				from := ""
				if len(rec.Jobs) > 0 {
					from = fmt.Sprintf(" (job %s)", strings.Join(quoteAll(rec.Jobs), ", "))
				}
				report(r.nameSpan, 0, "rename the rule",
					fmt.Sprintf("series named %s already exist on %s%s, and no rule of the server records them: they come from another source, and the rule's series would mix with them",
						r.name, server, from))
			}
		})
	},
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}
