package checks

import (
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

// IdentityDuplicateRule reports rules defined twice.
var IdentityDuplicateRule = &lint.Check{
	ID:       "identity/duplicate-rule",
	Title:    "A rule defined twice",
	Severity: lint.Warning,
	Doc: `Two rules with the same name and the same labels, in any of the files linted:
two recording rules write the same series (and fight over its value), two
alerts fire twice. Rules of the same name with different labels are not
duplicates.`,
	Files: func(c *lint.FilesContext) {
		type where struct {
			file string
			pos  rules.Pos
		}
		first := map[string]where{}
		for _, f := range c.Files {
			for _, g := range f.Groups() {
				for _, r := range g.Rules {
					key := ruleKey(r)
					pos := r.Record.Pos
					if r.IsAlert() {
						pos = r.Alert.Pos
					}
					if w, dup := first[key]; dup {
						c.Report(f, g, r, pos, "", "%s %q is already defined at %s:%s", kindOf(r), r.Name(), w.file, w.pos)
						continue
					}
					first[key] = where{f.Path, pos}
				}
			}
		}
	},
}
