package checks

import (
	"regexp/syntax"
	"strconv"
	"unicode"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
)

// PromqlCatchAllMatcher reports matchers that match every series, and
// selectors that match every metric.
var PromqlCatchAllMatcher = &lint.Check{
	ID:       "promql/catch-all-matcher",
	Title:    "A matcher that matches everything",
	Severity: lint.Warning,
	Doc: `` + "`container=~\".*\"`" + ` matches every value, the empty one included, so it matches
series without the label too: it filters nothing. It is usually a dashboard
variable's "All" left in a rule, or a filter meant as ` + "`container!=\"\"`" + ` (which
keeps only series that have the label, and leaves out the pod cgroup of
cAdvisor). Drop it, or write the filter meant. ` + "`=~\".+\"`" + ` is not reported: it
leaves out series without the label.

A selector without a metric name whose matchers all accept any value, such as
` + "`{job=~\".+\"}`" + `, selects every series of every metric of those targets: the
rule reads the whole database at each evaluation. Name the metric.`,
	Rule: func(c *lint.RuleContext) {
		selectors(c.Rule.Parsed, func(vs *parser.VectorSelector, _ []parser.Node) {
			pos := exprSpan(c.File, c.Rule, vs)
			if vs.Name == "" && allAnyValue(vs.LabelMatchers) {
				c.ReportSpan(pos, "name the metric", "%s selects every series of every metric: the rule reads the whole database", vs.String())
				return
			}
			for _, m := range vs.LabelMatchers {
				if !isCatchAll(m) {
					continue
				}
				text := m.Name + `=~` + strconv.Quote(m.Value)
				at := pos
				if name, _, end, found := matcherText(c.Rule.Expr.Value, vs, m); found {
					at = offsetSpan(c.File, c.Rule, name, end)
				}
				if m.Name == model.MetricNameLabel {
					c.ReportSpan(at, "drop "+text, "%s matches every metric name: it filters nothing", text)
					continue
				}
				c.ReportSpan(at, "drop "+text+", or use "+m.Name+`!="" to require the label`,
					"%s matches every series, those without a %s label too: it filters nothing", text, m.Name)
			}
		})
	},
}

// isCatchAll reports whether m is a regexp matcher that matches every
// value, the empty one included.
func isCatchAll(m *labels.Matcher) bool {
	if m.Type != labels.MatchRegexp {
		return false
	}
	re, err := syntax.Parse(m.Value, syntax.Perl|syntax.DotNL)
	return err == nil && matchesAll(re.Simplify(), 0)
}

// allAnyValue reports whether every matcher accepts any value of its label
// (catch-all, or any value but the empty one).
func allAnyValue(ms []*labels.Matcher) bool {
	for _, m := range ms {
		switch {
		case isCatchAll(m):
		case (m.Type == labels.MatchNotEqual || m.Type == labels.MatchNotRegexp) && m.Value == "":
		case m.Type == labels.MatchRegexp:
			re, err := syntax.Parse(m.Value, syntax.Perl|syntax.DotNL)
			if err != nil || !matchesAll(re.Simplify(), 1) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// matchesAll reports whether re matches every string at least min runes
// long: .* (min 0) or .+ (min 1), in a capture or an alternation.
func matchesAll(re *syntax.Regexp, min int) bool {
	switch re.Op {
	case syntax.OpStar:
		return isAnyChar(re.Sub[0])
	case syntax.OpPlus:
		return min >= 1 && isAnyChar(re.Sub[0])
	case syntax.OpCapture:
		return matchesAll(re.Sub[0], min)
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			if matchesAll(s, min) {
				return true
			}
		}
	}
	return false
}

func isAnyChar(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpAnyChar:
		return true
	case syntax.OpCharClass:
		return len(re.Rune) == 2 && re.Rune[0] == 0 && re.Rune[1] == unicode.MaxRune
	}
	return false
}
