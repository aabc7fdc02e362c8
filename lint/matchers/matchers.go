// Package matchers is the algebra of PromQL label matchers: whether
// matchers can match a value in common (DisjointMatchers, RegexpsDisjoint),
// what the value of a label is in the series an expression returns
// (ValueConstraint), and whether two expressions can return a series in
// common (Outputs, DisjointOutputs). It answers "disjoint" only where that
// is certain, and "not known" past its budgets.
package matchers

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/intern"
)

// Outputs is what DisjointOutputs compares of the series an expression
// returns: for each label its matchers name (but the metric name), what
// the value of the label is in those series (ValueConstraint).
type Outputs struct {
	labels []outputLabel // sorted by name
	// matchers are the alternatives as matchers, made when first needed:
	// few rules are compared.
	once     sync.Once
	matchers [][][]*labels.Matcher
}

type outputLabel struct {
	name string
	// alternatives are ValueConstraint's, as the type and value of each
	// matcher.
	alternatives [][]matcherSpec
}

type matcherSpec struct {
	typ         labels.MatchType
	name, value string
}

// constraint returns ValueConstraint's of label l: any value when the
// expression has no matcher of l.
func (o *Outputs) constraint(l string) [][]*labels.Matcher {
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

// MaxAlternatives bounds the alternatives ValueConstraint enumerates.
const MaxAlternatives = 64

// MaxRegexpStates bounds the states of the product of two regular
// expressions' automata RegexpsDisjoint walks.
const MaxRegexpStates = 10000

// Kept keeps one copy of the Outputs that are alike, and of their names
// and values, for the expressions of a file.
type Kept struct {
	in      *intern.Interner
	outputs map[string]*Outputs
}

// NewKept returns a Kept that keeps strings with in.
func NewKept(in *intern.Interner) *Kept {
	return &Kept{in: in, outputs: map[string]*Outputs{}}
}

// Of returns the Outputs of an expression, whose selectors have matchers of
// the labels names, or nil when it does not parse.
func (k *Kept) Of(e parser.Expr, names []string) *Outputs {
	if e == nil {
		return nil
	}
	var key []byte
	o := &Outputs{}
	for _, l := range names {
		if l == model.MetricNameLabel {
			continue
		}
		ol := outputLabel{name: k.in.Str(l)}
		key = append(key, l...)
		for _, alt := range ValueConstraint(e, l) {
			key = append(key, 1)
			specs := make([]matcherSpec, 0, len(alt))
			for _, m := range alt {
				specs = append(specs, matcherSpec{m.Type, ol.name, k.in.Str(m.Value)})
				key = strconv.AppendInt(key, int64(m.Type), 10)
				key = strconv.AppendQuote(key, m.Value)
			}
			ol.alternatives = append(ol.alternatives, specs)
		}
		key = append(key, 0)
		o.labels = append(o.labels, ol)
	}
	if shared, ok := k.outputs[string(key)]; ok {
		return shared
	}
	k.outputs[string(key)] = o
	return o
}

// DisjointOutputs reports whether two expressions certainly return no
// series with the same labels: some label, not set by the rules' static
// labels (static), is kept in the output of both and pinned by their
// matchers to values no string has in common (code=~"2.." and code=~"5..").
func DisjointOutputs(a, b *Outputs, static []string) bool {
	if a == nil || b == nil {
		return false
	}
	names := map[string]bool{}
	for _, o := range []*Outputs{a, b} {
		for _, ol := range o.labels {
			names[ol.name] = true
		}
	}
	for l := range names {
		if slices.Contains(static, l) {
			continue
		}
		ca, cb := a.constraint(l), b.constraint(l)
		disjoint := true
		for _, x := range ca {
			for _, y := range cb {
				if !DisjointMatchers(slices.Concat(x, y)) {
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

// ValueConstraint returns what the value of label l is in the series an
// expression returns: it matches all the matchers of one of the
// alternatives. An empty alternative (any value) is returned when it is not
// known, or the label is removed on the way.
// An expression whose alternatives would be more than MaxAlternatives (a
// chain of or, joins on l of such chains) is not known: any value.
func ValueConstraint(e parser.Expr, l string) [][]*labels.Matcher {
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
		return ValueConstraint(e.VectorSelector, l)
	case *parser.SubqueryExpr:
		return ValueConstraint(e.Expr, l)
	case *parser.ParenExpr:
		return ValueConstraint(e.Expr, l)
	case *parser.StepInvariantExpr:
		return ValueConstraint(e.Expr, l)
	case *parser.UnaryExpr:
		return ValueConstraint(e.Expr, l)
	case *parser.AggregateExpr:
		switch {
		case e.Op == parser.COUNT_VALUES:
			if s, ok := unparen(e.Param).(*parser.StringLiteral); !ok || s.Val == l {
				return anything
			}
		case e.Op == parser.TOPK || e.Op == parser.BOTTOMK || e.Op == parser.LIMITK || e.Op == parser.LIMIT_RATIO:
			return ValueConstraint(e.Expr, l)
		}
		if slices.Contains(e.Grouping, l) == e.Without {
			return anything
		}
		return ValueConstraint(e.Expr, l)
	case *parser.Call:
		switch e.Func.Name {
		case "label_replace", "label_join":
			if len(e.Args) < 2 {
				return anything
			}
			if dst, ok := unparen(e.Args[1]).(*parser.StringLiteral); !ok || dst.Val == l {
				return anything
			}
			return ValueConstraint(e.Args[0], l)
		case "absent", "absent_over_time", "info":
			return anything
		case "histogram_quantile", "histogram_fraction":
			if l == "le" {
				return anything
			}
		}
		for _, a := range e.Args {
			if t := a.Type(); t == parser.ValueTypeVector || t == parser.ValueTypeMatrix {
				return ValueConstraint(a, l)
			}
		}
		return anything
	case *parser.BinaryExpr:
		lt, rt := e.LHS.Type() == parser.ValueTypeScalar, e.RHS.Type() == parser.ValueTypeScalar
		switch {
		case lt && rt:
			return anything
		case rt:
			return ValueConstraint(e.LHS, l)
		case lt:
			return ValueConstraint(e.RHS, l)
		}
		vm := e.VectorMatching
		switch {
		case e.Op == parser.LOR:
			out := append(ValueConstraint(e.LHS, l), ValueConstraint(e.RHS, l)...)
			if len(out) > MaxAlternatives {
				return anything
			}
			return out
		case e.Op == parser.LAND || e.Op == parser.LUNLESS || vm == nil:
			return ValueConstraint(e.LHS, l)
		case slices.Contains(vm.Include, l):
			return anything
		case vm.Card == parser.CardOneToOne:
			if slices.Contains(vm.MatchingLabels, l) != vm.On {
				return anything
			}
			// l is matched on: it has the same value on both sides.
			lhs, rhs := ValueConstraint(e.LHS, l), ValueConstraint(e.RHS, l)
			if len(lhs)*len(rhs) > MaxAlternatives {
				return anything
			}
			var out [][]*labels.Matcher
			for _, x := range lhs {
				for _, y := range rhs {
					out = append(out, slices.Concat(x, y))
				}
			}
			return out
		case vm.Card == parser.CardOneToMany:
			return ValueConstraint(e.RHS, l)
		}
		return ValueConstraint(e.LHS, l)
	}
	return anything
}

// DisjointMatchers reports whether certainly no value matches all of ms.
// It decides only where that is exact: a fixed list of values one matcher
// allows (= or =~"a|b|c") that another rejects, or two = and =~ matchers
// whose regular expressions match no string in common.
func DisjointMatchers(ms []*labels.Matcher) bool {
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
			if positive(m) && positive(n) && RegexpsDisjoint(asRegexp(m), asRegexp(n)) {
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

// RegexpsDisjoint reports whether no string matches both regular
// expressions, anchored at both ends as PromQL anchors them. It walks the
// product of their automata, and answers false (not known) for what it
// does not follow: assertions such as ^ or \b, or more than
// MaxRegexpStates states.
func RegexpsDisjoint(a, b string) bool {
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
		if len(seen) > MaxRegexpStates {
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

// unparen returns e without the parentheses around it.
func unparen(e parser.Expr) parser.Expr {
	for {
		p, ok := e.(*parser.ParenExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}
