package checks

import (
	"regexp"
	"regexp/syntax"
	"strconv"
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
				eq, re := "=", "=~"
				if m.Type == labels.MatchNotRegexp {
					eq, re = "!=", "!~"
				}
				v := m.Value
				name, start, end, found := matcherText(c.Rule.Expr.Value, vs, m)
				// Worked out for a finding only: lining an expression up
				// with the source is not free.
				pos := func() lint.Span {
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

// matcherRE is a label matcher with a regexp operator, as written.
var matcherRE = regexp.MustCompile("([A-Za-z_][A-Za-z0-9_]*)\\s*(=~|!~)\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`)")

// matcherText returns where matcher m is written in the text of selector
// vs in expr: from its label name, and from its operator, to its end.
func matcherText(expr string, vs *parser.VectorSelector, m *labels.Matcher) (nameAt, start, end int, ok bool) {
	r := vs.PositionRange()
	if r.Start < 0 || int(r.End) > len(expr) || r.Start >= r.End {
		return 0, 0, 0, false
	}
	text := expr[r.Start:r.End]
	n := 0
	for _, loc := range matcherRE.FindAllStringSubmatchIndex(text, -1) {
		name, op, lit := text[loc[2]:loc[3]], text[loc[4]:loc[5]], text[loc[6]:loc[7]]
		if name != m.Name || (op == "=~") != (m.Type == labels.MatchRegexp) {
			continue
		}
		if v, err := unquotePromQL(lit); err != nil || v != m.Value {
			continue
		}
		nameAt, start, end = int(r.Start)+loc[2], int(r.Start)+loc[4], int(r.Start)+loc[7]
		n++
	}
	return nameAt, start, end, n == 1
}

// unquotePromQL reads a PromQL string literal.
func unquotePromQL(lit string) (string, error) {
	if strings.HasPrefix(lit, "'") {
		inner := lit[1 : len(lit)-1]
		inner = strings.ReplaceAll(strings.ReplaceAll(inner, `\'`, `'`), `"`, `\"`)
		lit = `"` + inner + `"`
	}
	return strconv.Unquote(lit)
}
