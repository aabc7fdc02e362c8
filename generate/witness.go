package generate

import (
	"regexp"
	"regexp/syntax"
	"slices"

	"github.com/prometheus/prometheus/model/labels"
)

// Budgets of the search for a label value: strings made from one part of
// a regular expression, and candidates tried in all. A search that runs out
// says it found nothing, and the message says so.
const (
	maxStrings    = 64
	maxCandidates = 4096
)

// witness finds a label value that every matcher in ms accepts (all on
// one label), that the pack's test series can write, and that is not
// empty when nonEmpty. It tries prefer first, then the empty value (the
// label left out), the values of = matchers, strings made from the syntax
// of each =~ regexp (filled with pieces of the others, so that
// prod-.* and .*-eu meet in prod--eu), and a few plain words. Every
// candidate is checked with the matchers themselves, so a value it returns
// is one Prometheus selects; when it finds none it says how many it tried.
func witness(ms []*labels.Matcher, prefer []string, nonEmpty bool) (string, bool, int) {
	tried := 0
	seen := map[string]bool{}
	ok := func(v string) bool {
		if seen[v] || (nonEmpty && v == "") || !writable(v) {
			return false
		}
		seen[v] = true
		tried++
		for _, m := range ms {
			if !m.Matches(v) {
				return false
			}
		}
		return true
	}
	candidates := slices.Clone(prefer)
	if !nonEmpty {
		candidates = append(candidates, "")
	}
	var regexps []*syntax.Regexp
	var hints []string
	for _, m := range ms {
		switch m.Type {
		case labels.MatchEqual, labels.MatchNotEqual:
			hints = append(hints, m.Value)
			if m.Type == labels.MatchEqual {
				candidates = append(candidates, m.Value)
			}
		case labels.MatchRegexp, labels.MatchNotRegexp:
			re, err := syntax.Parse(m.Value, syntax.Perl|syntax.DotNL)
			if err != nil {
				continue
			}
			re = re.Simplify()
			hints = append(hints, literals(re)...)
			if m.Type == labels.MatchRegexp {
				regexps = append(regexps, re)
				hints = append(hints, (&maker{}).strings(re)...)
			}
		}
	}
	for _, v := range candidates {
		if ok(v) {
			return v, true, tried
		}
	}
	mk := &maker{hints: hints}
	for _, re := range regexps {
		for _, v := range mk.strings(re) {
			if tried >= maxCandidates {
				return "", false, tried
			}
			if ok(v) {
				return v, true, tried
			}
		}
	}
	for _, v := range append([]string{"a", "x", "test", "oomguard", "0", "a-0"}, hints...) {
		if ok(v) {
			return v, true, tried
		}
		for _, w := range []string{"a", "-x", "0"} {
			if ok(v + w) {
				return v + w, true, tried
			}
		}
	}
	return "", false, tried
}

// literals returns the literal strings in re.
func literals(re *syntax.Regexp) []string {
	var out []string
	if re.Op == syntax.OpLiteral {
		out = append(out, string(re.Rune))
	}
	for _, sub := range re.Sub {
		out = append(out, literals(sub)...)
	}
	return out
}

// maker makes strings that a regexp's syntax tree matches, a few per node
// (maxStrings), with hints (strings of other matchers) tried wherever a
// repetition would match one whole.
type maker struct {
	hints []string
}

func (mk *maker) strings(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpNoMatch:
		return nil
	case syntax.OpLiteral:
		return []string{string(re.Rune)}
	case syntax.OpCharClass:
		return classChars(re.Rune)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return []string{"a", "0", "-"}
	case syntax.OpCapture:
		return mk.strings(re.Sub[0])
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			out = product(out, mk.strings(sub))
		}
		return out
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			out = appendCapped(out, mk.strings(sub)...)
		}
		return out
	case syntax.OpStar:
		return mk.repeat(re, 0, -1)
	case syntax.OpPlus:
		return mk.repeat(re, 1, -1)
	case syntax.OpQuest:
		return mk.repeat(re, 0, 1)
	case syntax.OpRepeat:
		return mk.repeat(re, re.Min, re.Max)
	}
	// Empty matches and assertions (^, $, \b): the empty string, checked
	// with the whole regexp later.
	return []string{""}
}

// repeat makes strings of re, a repetition of re.Sub[0] from min to max
// times (max -1: no bound): the fewest repetitions and one more, then the
// hints re matches whole, then one repetition more again.
func (mk *maker) repeat(re *syntax.Regexp, min, max int) []string {
	sub := mk.strings(re.Sub[0])
	reps := []string{""}
	for range min {
		reps = product(reps, sub)
	}
	out := appendCapped(nil, reps...)
	for n := min + 1; n <= min+2 && (max < 0 || n <= max); n++ {
		if n == min+2 && len(mk.hints) > 0 {
			if whole, err := regexp.Compile(`^(?:` + re.String() + `)$`); err == nil {
				for _, h := range mk.hints {
					if whole.MatchString(h) {
						out = appendCapped(out, h)
					}
				}
			}
		}
		reps = product(reps, sub)
		out = appendCapped(out, reps...)
	}
	return out
}

// classChars picks a few characters of a character class (pairs of
// ranges): plain ones first, then the start of each range.
func classChars(ranges []rune) []string {
	var out []string
	in := func(r rune) bool {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= r && r <= ranges[i+1] {
				return true
			}
		}
		return false
	}
	for _, r := range "a0-x_." {
		if in(r) {
			out = append(out, string(r))
		}
	}
	for i := 0; i+1 < len(ranges) && len(out) < 6; i += 2 {
		if s := string(ranges[i]); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// product joins every string of a with every string of b, keeping at
// most maxStrings.
func product(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if len(out) == maxStrings {
				return out
			}
			out = append(out, x+y)
		}
	}
	return out
}

func appendCapped(out []string, vs ...string) []string {
	for _, v := range vs {
		if len(out) == maxStrings {
			break
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
