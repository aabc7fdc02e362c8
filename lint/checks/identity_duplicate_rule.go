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
	Doc: `Two rules with the same name and the same labels, in any of the files linted,
whose results can overlap: two recording rules write the same series (and
fight over its value), two alerts fire twice.

Rules of the same name are not duplicates when their static labels differ
(those of the rule, over those of its group), nor when their expressions
certainly return different series: a label that both keep (in the
` + "`by (...)`" + ` of their aggregations, or removed by none) is pinned by their
matchers to values that have none in common. Recording one class of status
codes per rule is the common case:

` + "```yaml" + `
- record: code:http_requests:rate5m
  expr: sum by (code) (rate(http_requests_total{code=~"2.."}[5m]))
- record: code:http_requests:rate5m
  expr: sum by (code) (rate(http_requests_total{code=~"5.."}[5m]))
` + "```" + `

Likewise alerts of one name for different jobs (` + "`up{job=\"api\"} == 0`" + ` and
` + "`up{job=\"db\"} == 0`" + `), and a warning and a critical alert that differ in their
` + "`severity`" + ` label. Values are told apart when they are certain: different
values of ` + "`=`" + ` or ` + "`=~\"a|b\"`" + ` lists, a value that a ` + "`!=`" + ` or a regular expression
rejects, regular expressions without a string in common. A pinned label that
an aggregation removes tells nothing apart, and where it is not certain (a
` + "`!~`" + ` against a regular expression, a label that ` + "`label_replace`" + ` rewrites) the
rules are reported.`,
	File: keepSummary,
	Files: func(c *lint.FilesContext) {
		type seen struct {
			file string
			pos  rules.Pos
			rule *ruleSummary
		}
		byKey := map[string][]seen{}
		for _, s := range summaries(c) {
			for i := range s.rules {
				r := &s.rules[i]
				key := r.key()
				for _, w := range byKey[key] {
					if !disjointOutputs(w.rule.outputs, r.outputs, r.static) {
						kind := "recording rule"
						if r.alert {
							kind = "alert"
						}
						c.ReportSpan(s.path, s.groups[r.group].name, r.name, r.nameSpan.span(), "", "%s %q is already defined at %s:%s", kind, r.name, w.file, w.pos)
						break
					}
				}
				byKey[key] = append(byKey[key], seen{s.path, r.nameSpan.start.pos(), r})
			}
		}
	},
}
