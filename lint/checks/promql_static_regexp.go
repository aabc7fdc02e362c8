package checks

import (
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/engine"
)

// PromqlStaticRegexp reports regexp matchers that need no regexp.
var PromqlStaticRegexp = &engine.Check{
	ID:       "promql/static-regexp",
	Title:    "A regexp matcher on a fixed string, or with anchors",
	Severity: engine.Info,
	Doc:      doc("promql/static-regexp"),
	Rule: func(c *engine.RuleContext) {
		selectors(c.Rule.Parsed, func(vs *parser.VectorSelector, _ []parser.Node) {
			for _, m := range vs.LabelMatchers {
				if m.Type != labels.MatchRegexp && m.Type != labels.MatchNotRegexp {
					continue
				}
				eq, re := "=", "=~"
				if m.Type == labels.MatchNotRegexp {
					eq, re = "!=", "!~"
				}
				v := m.Value
				name, start, end, found := matcherText(c.Rule.Expr.Value, vs, m)
				// Worked out for a finding only: lining an expression up
				// with the source is not free.
				pos := func() engine.Span {
					if found {
						return offsetSpan(c.File, c.Rule, name, end)
					}
					return exprSpan(c.File, c.Rule, vs)
				}
				if strings.HasPrefix(v, "^") || strings.HasSuffix(v, "$") && !strings.HasSuffix(v, `\$`) {
					bare := strings.TrimSuffix(strings.TrimPrefix(v, "^"), "$")
					repl := re + strconv.Quote(bare)
					if lit, ok := literal(bare); ok {
						repl = eq + strconv.Quote(lit)
					}
					if found && bare != "" {
						c.ReportFix(pos(), start, end, repl, "drop ^ and $", "regexp %q of label %s has anchors: PromQL anchors every regexp", v, m.Name)
					} else {
						c.ReportSpan(pos(), "drop ^ and $", "regexp %q of label %s has anchors: PromQL anchors every regexp", v, m.Name)
					}
					continue
				}
				if lit, ok := literal(v); ok && v != "" {
					hint := "use " + m.Name + eq + strconv.Quote(lit)
					if found {
						c.ReportFix(pos(), start, end, eq+strconv.Quote(lit), hint, "regexp %q of label %s matches one fixed string: use %s", v, m.Name, eq)
					} else {
						c.ReportSpan(pos(), hint, "regexp %q of label %s matches one fixed string: use %s", v, m.Name, eq)
					}
				}
			}
		})
	},
}

// literal returns the one string a regexp matches, if it matches one.
func literal(re string) (string, bool) {
	p, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return "", false
	}
	switch {
	case p.Op == syntax.OpLiteral && p.Flags&syntax.FoldCase == 0:
		return string(p.Rune), true
	case p.Op == syntax.OpEmptyMatch:
		return "", true
	}
	return "", false
}
