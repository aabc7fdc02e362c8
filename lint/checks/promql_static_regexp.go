package checks

import (
	"regexp/syntax"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
)

// PromqlStaticRegexp reports regexp matchers that need no regexp.
var PromqlStaticRegexp = &lint.Check{
	ID:       "promql/static-regexp",
	Title:    "A regexp matcher on a fixed string, or with anchors",
	Severity: lint.Info,
	Doc: `` + "`job=~\"kubelet\"`" + ` matches one fixed string: ` + "`job=\"kubelet\"`" + ` says so and is
cheaper. PromQL anchors every regexp, so ` + "`^`" + ` and ` + "`$`" + ` in ` + "`=~\"^kubelet$\"`" + ` are
redundant.`,
	Rule: func(c *lint.RuleContext) {
		selectors(c.Rule.Parsed, func(vs *parser.VectorSelector, _ []parser.Node) {
			for _, m := range vs.LabelMatchers {
				if m.Type != labels.MatchRegexp && m.Type != labels.MatchNotRegexp {
					continue
				}
				v := m.Value
				if strings.HasPrefix(v, "^") || strings.HasSuffix(v, "$") && !strings.HasSuffix(v, `\$`) {
					c.Report(exprPos(c.File, c.Rule, vs), "drop ^ and $", "regexp %q of label %s has anchors: PromQL anchors every regexp", v, m.Name)
					continue
				}
				if v != "" && isLiteral(v) {
					op := "="
					if m.Type == labels.MatchNotRegexp {
						op = "!="
					}
					c.Report(exprPos(c.File, c.Rule, vs), "use "+m.Name+op+`"`+v+`"`, "regexp %q of label %s matches one fixed string: use %s", v, m.Name, op)
				}
			}
		})
	},
}

// isLiteral reports whether a regexp matches exactly one fixed string.
func isLiteral(re string) bool {
	p, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return false
	}
	return p.Op == syntax.OpLiteral && p.Flags&syntax.FoldCase == 0
}
