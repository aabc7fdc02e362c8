package checks

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/rules"
)

var camelCase = regexp.MustCompile(`^[A-Z][a-zA-Z0-9]*$`)

var levelMetricOps = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$`)

// staticLabels returns the labels a rule sets on what it writes: those of
// its group, overridden by its own.
func staticLabels(g *rules.Group, r *rules.Rule) map[string]string {
	out := map[string]string{}
	if g != nil {
		for _, p := range g.Labels {
			out[p.Key.Value] = p.Value.Value
		}
	}
	for _, p := range r.Labels {
		out[p.Key.Value] = p.Value.Value
	}
	return out
}

// staticKey is the part of a rule's key its static labels make. The key
// is the kind, name and static labels of a rule (ruleSummary.key): rules
// with different keys never write the same series.
func staticKey(static map[string]string) string {
	keys := make([]string, 0, len(static))
	for k := range static {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, static[k])
	}
	return b.String()
}

// outputs is what disjointOutputs compares of the series an expression
// returns: for each label its matchers name (but the metric name), what
// the value of the label is in those series (valueConstraint).
type outputs struct {
	labels []outputLabel // sorted by name
	// matchers are the alternatives as matchers, made when first needed:
	// few rules are compared.
	once     sync.Once
	matchers [][][]*labels.Matcher
}

type outputLabel struct {
	name string
	// alternatives are valueConstraint's, as the type and value of each
	// matcher.
	alternatives [][]matcherSpec
}

type matcherSpec struct {
	typ         labels.MatchType
	name, value string
}

// constraint returns valueConstraint's of label l: any value when the
// expression has no matcher of l.
func (o *outputs) constraint(l string) [][]*labels.Matcher {
	i, ok := slices.BinarySearchFunc(o.labels, l, func(ol outputLabel, l string) int { return strings.Compare(ol.name, l) })
	if !ok {
		return [][]*labels.Matcher{nil}
	}
	o.once.Do(func() {
		o.matchers = make([][][]*labels.Matcher, len(o.labels))
		for j, ol := range o.labels {
			o.matchers[j] = matchersOf(ol.alternatives)
		}
	})
	return o.matchers[i]
}

func matchersOf(alternatives [][]matcherSpec) [][]*labels.Matcher {
	var out [][]*labels.Matcher
	for _, alt := range alternatives {
		ms := make([]*labels.Matcher, 0, len(alt))
		for _, m := range alt {
			lm, err := labels.NewMatcher(m.typ, m.name, m.value)
			if err != nil {
				// It was made once from the same: not known.
				return [][]*labels.Matcher{nil}
			}
			ms = append(ms, lm)
		}
		out = append(out, ms)
	}
	return out
}

// outputsOf returns the outputs of an expression, whose selectors have
// matchers of the labels names, or nil when it does not parse; outputs
// alike are one.
func outputsOf(e parser.Expr, names []string, in *interner) *outputs {
	if e == nil {
		return nil
	}
	var key []byte
	o := &outputs{}
	for _, l := range names {
		if l == model.MetricNameLabel {
			continue
		}
		ol := outputLabel{name: in.str(l)}
		key = append(key, l...)
		for _, alt := range valueConstraint(e, l) {
			key = append(key, 1)
			specs := make([]matcherSpec, 0, len(alt))
			for _, m := range alt {
				specs = append(specs, matcherSpec{m.Type, ol.name, in.str(m.Value)})
				key = strconv.AppendInt(key, int64(m.Type), 10)
				key = strconv.AppendQuote(key, m.Value)
			}
			ol.alternatives = append(ol.alternatives, specs)
		}
		key = append(key, 0)
		o.labels = append(o.labels, ol)
	}
	if shared, ok := in.outputs[string(key)]; ok {
		return shared
	}
	in.outputs[string(key)] = o
	return o
}

// disjointOutputs reports whether two expressions certainly return no
// series with the same labels: some label, not set by the rules' static
// labels, is kept in the output of both and pinned by their matchers to
// values no string has in common (code=~"2.." and code=~"5..").
func disjointOutputs(a, b *outputs, static *names) bool {
	if a == nil || b == nil {
		return false
	}
	names := map[string]bool{}
	for _, o := range []*outputs{a, b} {
		for _, ol := range o.labels {
			names[ol.name] = true
		}
	}
	for l := range names {
		if slices.Contains(static.all(), l) {
			continue
		}
		ca, cb := a.constraint(l), b.constraint(l)
		disjoint := true
		for _, x := range ca {
			for _, y := range cb {
				if !disjointMatchers(slices.Concat(x, y)) {
					disjoint = false
				}
			}
		}
		if disjoint {
			return true
		}
	}
	return false
}

// valueConstraint returns what the value of label l is in the series an
// expression returns: it matches all the matchers of one of the
// alternatives. An empty alternative (any value) is returned when it is not
// known, or the label is removed on the way.
func valueConstraint(e parser.Expr, l string) [][]*labels.Matcher {
	anything := [][]*labels.Matcher{nil}
	switch e := e.(type) {
	case *parser.VectorSelector:
		var ms []*labels.Matcher
		for _, m := range e.LabelMatchers {
			if m.Name == l {
				ms = append(ms, m)
			}
		}
		return [][]*labels.Matcher{ms}
	case *parser.MatrixSelector:
		return valueConstraint(e.VectorSelector, l)
	case *parser.SubqueryExpr:
		return valueConstraint(e.Expr, l)
	case *parser.ParenExpr:
		return valueConstraint(e.Expr, l)
	case *parser.StepInvariantExpr:
		return valueConstraint(e.Expr, l)
	case *parser.UnaryExpr:
		return valueConstraint(e.Expr, l)
	case *parser.AggregateExpr:
		switch {
		case e.Op == parser.COUNT_VALUES:
			if s, ok := unparen(e.Param).(*parser.StringLiteral); !ok || s.Val == l {
				return anything
			}
		case e.Op == parser.TOPK || e.Op == parser.BOTTOMK || e.Op == parser.LIMITK || e.Op == parser.LIMIT_RATIO:
			return valueConstraint(e.Expr, l)
		}
		if slices.Contains(e.Grouping, l) == e.Without {
			return anything
		}
		return valueConstraint(e.Expr, l)
	case *parser.Call:
		switch e.Func.Name {
		case "label_replace", "label_join":
			if len(e.Args) < 2 {
				return anything
			}
			if dst, ok := unparen(e.Args[1]).(*parser.StringLiteral); !ok || dst.Val == l {
				return anything
			}
			return valueConstraint(e.Args[0], l)
		case "absent", "absent_over_time", "info":
			return anything
		case "histogram_quantile", "histogram_fraction":
			if l == "le" {
				return anything
			}
		}
		for _, a := range e.Args {
			if t := a.Type(); t == parser.ValueTypeVector || t == parser.ValueTypeMatrix {
				return valueConstraint(a, l)
			}
		}
		return anything
	case *parser.BinaryExpr:
		lt, rt := e.LHS.Type() == parser.ValueTypeScalar, e.RHS.Type() == parser.ValueTypeScalar
		switch {
		case lt && rt:
			return anything
		case rt:
			return valueConstraint(e.LHS, l)
		case lt:
			return valueConstraint(e.RHS, l)
		}
		vm := e.VectorMatching
		switch {
		case e.Op == parser.LOR:
			return append(valueConstraint(e.LHS, l), valueConstraint(e.RHS, l)...)
		case e.Op == parser.LAND || e.Op == parser.LUNLESS || vm == nil:
			return valueConstraint(e.LHS, l)
		case slices.Contains(vm.Include, l):
			return anything
		case vm.Card == parser.CardOneToOne:
			if slices.Contains(vm.MatchingLabels, l) != vm.On {
				return anything
			}
			// l is matched on: it has the same value on both sides.
			var out [][]*labels.Matcher
			for _, x := range valueConstraint(e.LHS, l) {
				for _, y := range valueConstraint(e.RHS, l) {
					out = append(out, slices.Concat(x, y))
				}
			}
			return out
		case vm.Card == parser.CardOneToMany:
			return valueConstraint(e.RHS, l)
		}
		return valueConstraint(e.LHS, l)
	}
	return anything
}

// disjointMatchers reports whether certainly no value matches all of ms.
// It decides only where that is exact: a fixed list of values one matcher
// allows (= or =~"a|b|c") that another rejects, or two = and =~ matchers
// whose regular expressions match no string in common.
func disjointMatchers(ms []*labels.Matcher) bool {
	for _, m := range ms {
		vals, ok := fixedValues(m)
		if !ok {
			continue
		}
		none := true
		for _, v := range vals {
			all := true
			for _, n := range ms {
				if !n.Matches(v) {
					all = false
					break
				}
			}
			if all {
				none = false
				break
			}
		}
		if none {
			return true
		}
	}
	for i, m := range ms {
		for _, n := range ms[i+1:] {
			if positive(m) && positive(n) && regexpsDisjoint(asRegexp(m), asRegexp(n)) {
				return true
			}
		}
	}
	return false
}

func positive(m *labels.Matcher) bool {
	return m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp
}

func asRegexp(m *labels.Matcher) string {
	if m.Type == labels.MatchEqual {
		return regexp.QuoteMeta(m.Value)
	}
	return m.Value
}

// fixedValues returns every value a matcher matches when they are a list
// written out: the value of =, or the literals of =~"a|b|c".
func fixedValues(m *labels.Matcher) ([]string, bool) {
	switch m.Type {
	case labels.MatchEqual:
		return []string{m.Value}, true
	case labels.MatchRegexp:
		alts := strings.Split(m.Value, "|")
		for _, a := range alts {
			if regexp.QuoteMeta(a) != a {
				return nil, false
			}
		}
		return alts, true
	}
	return nil, false
}

// regexpsDisjoint reports whether no string matches both regular
// expressions, anchored at both ends as PromQL anchors them. It walks the
// product of their automata, and answers false (not known) for what it
// does not follow: assertions such as ^ or \b, or too many states.
func regexpsDisjoint(a, b string) bool {
	pa, ok := compileMatcherRegexp(a)
	if !ok {
		return false
	}
	pb, ok := compileMatcherRegexp(b)
	if !ok {
		return false
	}
	type state struct{ a, b uint32 }
	seen := map[state]bool{}
	var queue []state
	push := func(as, bs []uint32) {
		for _, x := range as {
			for _, y := range bs {
				if s := (state{x, y}); !seen[s] {
					seen[s] = true
					queue = append(queue, s)
				}
			}
		}
	}
	sa, ok := closure(pa, uint32(pa.Start))
	if !ok {
		return false
	}
	sb, ok := closure(pb, uint32(pb.Start))
	if !ok {
		return false
	}
	push(sa, sb)
	for len(queue) > 0 {
		if len(seen) > 10000 {
			return false
		}
		s := queue[0]
		queue = queue[1:]
		ia, ib := &pa.Inst[s.a], &pb.Inst[s.b]
		ma, mb := ia.Op == syntax.InstMatch, ib.Op == syntax.InstMatch
		if ma && mb {
			return false
		}
		if ma || mb || !runesOverlap(runeRanges(ia), runeRanges(ib)) {
			continue
		}
		na, ok := closure(pa, ia.Out)
		if !ok {
			return false
		}
		nb, ok := closure(pb, ib.Out)
		if !ok {
			return false
		}
		push(na, nb)
	}
	return true
}

// compileMatcherRegexp compiles a regular expression as PromQL reads a
// matcher's (. matches a newline too).
func compileMatcherRegexp(re string) (*syntax.Prog, bool) {
	p, err := syntax.Parse(re, syntax.Perl|syntax.DotNL)
	if err != nil {
		return nil, false
	}
	prog, err := syntax.Compile(p.Simplify())
	if err != nil {
		return nil, false
	}
	return prog, true
}

// closure returns the instructions that read a rune, or match, reachable
// from pc without reading one; false if an assertion is on the way.
func closure(p *syntax.Prog, pc uint32) ([]uint32, bool) {
	var out []uint32
	seen := map[uint32]bool{}
	stack := []uint32{pc}
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[pc] {
			continue
		}
		seen[pc] = true
		i := &p.Inst[pc]
		switch i.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			stack = append(stack, i.Out, i.Arg)
		case syntax.InstCapture, syntax.InstNop:
			stack = append(stack, i.Out)
		case syntax.InstFail:
		case syntax.InstEmptyWidth:
			return nil, false
		default:
			out = append(out, pc)
		}
	}
	return out, true
}

// runeRanges returns the runes an instruction reads, as [lo, hi] pairs.
func runeRanges(i *syntax.Inst) []rune {
	switch i.Op {
	case syntax.InstRune1:
		return []rune{i.Rune[0], i.Rune[0]}
	case syntax.InstRuneAny:
		return []rune{0, unicode.MaxRune}
	case syntax.InstRuneAnyNotNL:
		return []rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune}
	case syntax.InstRune:
		if len(i.Rune) == 1 && i.Arg&uint32(syntax.FoldCase) == 0 {
			return []rune{i.Rune[0], i.Rune[0]}
		}
		if len(i.Rune) == 1 {
			// One rune, in any case.
			var out []rune
			r := i.Rune[0]
			for f := unicode.SimpleFold(r); ; f = unicode.SimpleFold(f) {
				out = append(out, f, f)
				if f == r {
					break
				}
			}
			return out
		}
		return i.Rune
	}
	return nil
}

func runesOverlap(a, b []rune) bool {
	for i := 0; i+1 < len(a); i += 2 {
		for j := 0; j+1 < len(b); j += 2 {
			if a[i] <= b[j+1] && b[j] <= a[i+1] {
				return true
			}
		}
	}
	return false
}
