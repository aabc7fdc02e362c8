package checks

import (
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
)

// PromqlCatchAllMatcher reports matchers that match every series, and
// selectors that match every metric. Info: a matcher that filters nothing
// changes no result (mixins render one from a knob whose default is ".*"),
// and a rule that reads every series is mostly meant to (a cardinality
// alert).
var PromqlCatchAllMatcher = &engine.Check{
	ID:       "promql/catch-all-matcher",
	Title:    "A matcher that matches everything",
	Severity: engine.Info,
	Doc:      doc("promql/catch-all-matcher"),
	Rule: func(c *engine.RuleContext) {
		selectors(c.Rule.Parsed, func(vs *parser.VectorSelector, _ []parser.Node) {
			// Worked out for a finding only: lining an expression up with
			// the source is not free.
			pos := func() engine.Span { return exprSpan(c.File, c.Rule, vs) }
			if vs.Name == "" && allAnyValue(vs.LabelMatchers) {
				c.ReportSpan(pos(), "name the metric", "%s selects every series of every metric: the rule reads the whole database", vs.String())
				return
			}
			for _, m := range vs.LabelMatchers {
				if !isCatchAll(m) {
					continue
				}
				text := m.Name + `=~` + strconv.Quote(m.Value)
				var at engine.Span
				if name, _, end, found := matcherText(c.Rule.Expr.Value, vs, m); found {
					at = offsetSpan(c.File, c.Rule, name, end)
				} else {
					at = pos()
				}
				msg, args := "%s matches every series, those without a %s label too: it filters nothing", []any{text, m.Name}
				hint := "drop " + text + ", or use " + m.Name + `!="" to require the label`
				if m.Name == model.MetricNameLabel {
					msg, args, hint = "%s matches every metric name: it filters nothing", []any{text}, "drop "+text
				}
				// Dropping it selects the same series: a safe fix.
				if start, end, ok := dropMatcher(c.Rule.Expr.Value, c.Rule.Parsed, vs, m); ok {
					c.ReportFix(at, start, end, "", hint, msg, args...)
				} else {
					c.ReportSpan(at, hint, msg, args...)
				}
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

// dropMatcher returns the bytes of expr to remove to drop matcher m from
// selector vs, with the comma that separates it from the next matcher (or
// the previous one, for the last), or the braces when m is alone in them
// after a metric name. It checks the result: expr without those bytes
// must parse to the same expression with m gone from vs, and nothing else
// changed.
func dropMatcher(expr string, parsed parser.Expr, vs *parser.VectorSelector, m *labels.Matcher) (int, int, bool) {
	nameAt, _, end, found := matcherText(expr, vs, m)
	r := vs.PositionRange()
	if !found || parsed == nil {
		return 0, 0, false
	}
	open := strings.LastIndexByte(expr[r.Start:nameAt], '{')
	closing := strings.IndexByte(expr[end:r.End], '}')
	if open < 0 || closing < 0 {
		return 0, 0, false
	}
	open += int(r.Start)
	closing += end
	before, after := expr[open+1:nameAt], expr[end:closing]
	var from, to int
	switch {
	case strings.TrimSpace(before) == "" && strings.Trim(after, " \t\r\n,") == "":
		// Alone in the braces: drop them, after a name only.
		if vs.Name == "" || !strings.HasPrefix(expr[r.Start:], vs.Name) || strings.TrimSpace(expr[int(r.Start)+len(vs.Name):open]) != "" {
			return 0, 0, false
		}
		from, to = int(r.Start)+len(vs.Name), closing+1
	case strings.Trim(after, " \t\r\n,") != "":
		// A matcher follows: drop up to it.
		sep := len(after) - len(strings.TrimLeft(after, " \t\r\n,"))
		if strings.Count(after[:sep], ",") != 1 {
			return 0, 0, false
		}
		from, to = nameAt, end+sep
	default:
		// The last: drop from the comma before it.
		trimmed := strings.TrimRight(before, " \t\r\n")
		if !strings.HasSuffix(trimmed, ",") {
			return 0, 0, false
		}
		from, to = open+len(trimmed), end
	}
	got, err := promqlParser.ParseExpr(expr[:from] + expr[to:])
	if err != nil {
		return 0, 0, false
	}
	// The expected result: the same tree with m gone from vs, the k-th
	// selector.
	want, err := promqlParser.ParseExpr(expr)
	if err != nil {
		return 0, 0, false
	}
	k := slices.Index(vectorSelectors(parsed), vs)
	ws := vectorSelectors(want)
	if k < 0 || k >= len(ws) {
		return 0, 0, false
	}
	target := ws[k]
	kept := target.LabelMatchers[:0:0]
	for _, x := range target.LabelMatchers {
		if x.Name == m.Name && x.Type == m.Type && x.Value == m.Value {
			continue
		}
		kept = append(kept, x)
	}
	target.LabelMatchers = kept
	if got.String() != want.String() {
		return 0, 0, false
	}
	return from, to, true
}

var promqlParser = parser.NewParser(parser.Options{})

// vectorSelectors returns the vector selectors of e in the order of
// parser.Inspect.
func vectorSelectors(e parser.Expr) []*parser.VectorSelector {
	var out []*parser.VectorSelector
	astwalk.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return nil
	})
	return out
}
