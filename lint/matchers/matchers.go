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

	"github.com/oomguard/oomguard/internal/limit"
)

// Outputs is what DisjointOutputs compares of the series an expression
// returns: for each label its matchers name (but the metric name), what
// the value of the label is in those series (ValueConstraint).
type Outputs struct {
	labels []outputLabel // sorted by name
	// tooComplex is set when ValueConstraint went past MaxAlternatives
	// for a label: what the expression returns is not known.
	tooComplex bool
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

// Labels returns the names of the labels the Outputs know a constraint
// of, sorted.
func (o *Outputs) Labels() []string {
	if o == nil {
		return nil
	}
	out := make([]string, len(o.labels))
	for i, ol := range o.labels {
		out[i] = ol.name
	}
	return out
}

// FixedValues returns values that label l certainly takes one of in the
// series the expression returns, when each alternative of its constraint
// pins l to values written out (= or =~"a|b|c"), and false otherwise. Two
// Outputs whose FixedValues of a label not set by static labels have no
// value in common are disjoint: DisjointOutputs says Yes for them, so
// that those who compare many Outputs can leave such pairs out first.
func (o *Outputs) FixedValues(l string) ([]string, bool) {
	if o == nil {
		return nil, false
	}
	var out []string
	for _, alt := range o.constraint(l) {
		found := false
		for _, m := range alt {
			if vals, ok := fixedValues(m); ok {
				out = append(out, vals...)
				found = true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return out, true
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

// MaxAlternatives is the default bound of the alternatives
// ValueConstraint enumerates.
const MaxAlternatives = 64

// MaxRegexpStates is the default bound of the states of the product of two
// regular expressions' automata RegexpsDisjoint walks.
const MaxRegexpStates = 10000

// MaxRegexpBytes is the default bound of the regular expressions
// RegexpsDisjoint compiles: compiling is linear, but a program of a
// megabyte is not worth walking.
const MaxRegexpBytes = 64 << 10

// Budgets bound the analyses; a field that is 0 is its default
// (MaxAlternatives, MaxRegexpStates, MaxRegexpBytes). The functions of the
// package use the defaults; the methods of Budgets their own.
type Budgets struct {
	Alternatives int
	RegexpStates int
	RegexpBytes  int
}

// Effective returns b with each zero field set to its default.
func (b Budgets) Effective() Budgets {
	return Budgets{b.alternatives(), b.regexpStates(), b.regexpBytes()}
}

func (b Budgets) alternatives() int { return limit.Or(b.Alternatives, MaxAlternatives) }

func (b Budgets) regexpStates() int { return limit.Or(b.RegexpStates, MaxRegexpStates) }

func (b Budgets) regexpBytes() int { return limit.Or(b.RegexpBytes, MaxRegexpBytes) }

// Kept keeps one copy of the Outputs that are alike, and of their names
// and values, for the expressions of a file.
type Kept struct {
	in      *intern.Interner
	limits  Budgets
	outputs map[string]*Outputs
}

// NewKept returns a Kept that keeps strings with in, and works out
// Outputs within the budgets bu.
func NewKept(in *intern.Interner, bu Budgets) *Kept {
	return &Kept{in: in, limits: bu, outputs: map[string]*Outputs{}}
}

// Of returns the Outputs of an expression, whose selectors have matchers of
// the labels names, or nil when it does not parse.
func (k *Kept) Of(e parser.Expr, names []string) *Outputs {
	if e == nil {
		return nil
	}
	var key []byte
	o := &Outputs{}
	// The matchers of each selector by name, once for all the names: a
	// selector of 70,000 matchers, each looked for by name, was 5 billion
	// comparisons.
	b := &budget{limits: k.limits, byName: map[*parser.VectorSelector]map[string][]*labels.Matcher{}}
	for _, l := range names {
		if l == model.MetricNameLabel {
			continue
		}
		ol := outputLabel{name: k.in.Str(l)}
		key = append(key, l...)
		for _, alt := range valueConstraint(e, l, b) {
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
	if b.exceeded {
		o.tooComplex = true
		key = append(key, "\x00too complex"...)
	}
	if shared, ok := k.outputs[string(key)]; ok {
		return shared
	}
	k.outputs[string(key)] = o
	return o
}

// Verdict is what an analysis found: whether something is certain, not
// so, or beyond its budgets.
type Verdict int

const (
	// No: not certain (or not known, for what the analysis does not
	// follow).
	No Verdict = iota
	// Yes: certain.
	Yes
	// TooComplex: the analysis went past a budget (Budgets) and gave up.
	TooComplex
)

// DisjointOutputs says whether two expressions certainly return no series
// with the same labels: some label, not set by the rules' static labels
// (static), is kept in the output of both and pinned by their matchers to
// values no string has in common (code=~"2.." and code=~"5.."). It says
// TooComplex when it could not prove it within its budgets.
func DisjointOutputs(a, b *Outputs, static []string) Verdict {
	return Budgets{}.DisjointOutputs(a, b, static)
}

// DisjointOutputs is DisjointOutputs within the budgets bu.
func (bu Budgets) DisjointOutputs(a, b *Outputs, static []string) Verdict {
	if a == nil || b == nil {
		return No
	}
	tooComplex := a.tooComplex || b.tooComplex
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
				switch bu.disjointMatchers(slices.Concat(x, y)) {
				case No:
					disjoint = false
				case TooComplex:
					disjoint, tooComplex = false, true
				}
			}
		}
		if disjoint {
			return Yes
		}
	}
	if tooComplex {
		return TooComplex
	}
	return No
}

// ValueConstraint returns what the value of label l is in the series an
// expression returns: it matches all the matchers of one of the
// alternatives. An empty alternative (any value) is returned when it is not
// known, or the label is removed on the way.
// An expression whose alternatives would be more than MaxAlternatives (a
// chain of or, joins on l of such chains) is not known: any value.
func ValueConstraint(e parser.Expr, l string) [][]*labels.Matcher {
	return Budgets{}.ValueConstraint(e, l)
}

// ValueConstraint is ValueConstraint within the budgets bu.
func (bu Budgets) ValueConstraint(e parser.Expr, l string) [][]*labels.Matcher {
	return valueConstraint(e, l, &budget{limits: bu})
}

// budget is the state of a ValueConstraint: whether it went past
// MaxAlternatives, and the matchers of selectors by name when they are
// indexed.
type budget struct {
	limits   Budgets
	exceeded bool
	byName   map[*parser.VectorSelector]map[string][]*labels.Matcher
}

// matchers returns the matchers of l in vs.
func (b *budget) matchers(vs *parser.VectorSelector, l string) []*labels.Matcher {
	if b.byName == nil {
		var ms []*labels.Matcher
		for _, m := range vs.LabelMatchers {
			if m.Name == l {
				ms = append(ms, m)
			}
		}
		return ms
	}
	idx, ok := b.byName[vs]
	if !ok {
		idx = map[string][]*labels.Matcher{}
		for _, m := range vs.LabelMatchers {
			idx[m.Name] = append(idx[m.Name], m)
		}
		b.byName[vs] = idx
	}
	return idx[l]
}

func valueConstraint(e parser.Expr, l string, b *budget) [][]*labels.Matcher {
	anything := [][]*labels.Matcher{nil}
	switch e := e.(type) {
	case *parser.VectorSelector:
		return [][]*labels.Matcher{b.matchers(e, l)}
	case *parser.MatrixSelector:
		return valueConstraint(e.VectorSelector, l, b)
	case *parser.SubqueryExpr:
		return valueConstraint(e.Expr, l, b)
	case *parser.ParenExpr:
		return valueConstraint(e.Expr, l, b)
	case *parser.StepInvariantExpr:
		return valueConstraint(e.Expr, l, b)
	case *parser.UnaryExpr:
		return valueConstraint(e.Expr, l, b)
	case *parser.AggregateExpr:
		switch {
		case e.Op == parser.COUNT_VALUES:
			if s, ok := unparen(e.Param).(*parser.StringLiteral); !ok || s.Val == l {
				return anything
			}
		case e.Op == parser.TOPK || e.Op == parser.BOTTOMK || e.Op == parser.LIMITK || e.Op == parser.LIMIT_RATIO:
			return valueConstraint(e.Expr, l, b)
		}
		if slices.Contains(e.Grouping, l) == e.Without {
			return anything
		}
		return valueConstraint(e.Expr, l, b)
	case *parser.Call:
		switch e.Func.Name {
		case "label_replace", "label_join":
			if len(e.Args) < 2 {
				return anything
			}
			if dst, ok := unparen(e.Args[1]).(*parser.StringLiteral); !ok || dst.Val == l {
				return anything
			}
			return valueConstraint(e.Args[0], l, b)
		case "absent", "absent_over_time", "info":
			return anything
		case "histogram_quantile", "histogram_fraction":
			if l == "le" {
				return anything
			}
		}
		for _, a := range e.Args {
			if t := a.Type(); t == parser.ValueTypeVector || t == parser.ValueTypeMatrix {
				return valueConstraint(a, l, b)
			}
		}
		return anything
	case *parser.BinaryExpr:
		lt, rt := e.LHS.Type() == parser.ValueTypeScalar, e.RHS.Type() == parser.ValueTypeScalar
		switch {
		case lt && rt:
			return anything
		case rt:
			return valueConstraint(e.LHS, l, b)
		case lt:
			return valueConstraint(e.RHS, l, b)
		}
		vm := e.VectorMatching
		switch {
		case e.Op == parser.LOR:
			out := append(valueConstraint(e.LHS, l, b), valueConstraint(e.RHS, l, b)...)
			if len(out) > b.limits.alternatives() {
				b.exceeded = true
				return anything
			}
			return out
		case e.Op == parser.LAND || e.Op == parser.LUNLESS || vm == nil:
			return valueConstraint(e.LHS, l, b)
		case slices.Contains(vm.Include, l):
			return anything
		case vm.Card == parser.CardOneToOne:
			if slices.Contains(vm.MatchingLabels, l) != vm.On {
				return anything
			}
			// l is matched on: it has the same value on both sides.
			lhs, rhs := valueConstraint(e.LHS, l, b), valueConstraint(e.RHS, l, b)
			if len(lhs)*len(rhs) > b.limits.alternatives() {
				b.exceeded = true
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
			return valueConstraint(e.RHS, l, b)
		}
		return valueConstraint(e.LHS, l, b)
	}
	return anything
}

// DisjointMatchers reports whether certainly no value matches all of ms.
// It decides only where that is exact: a fixed list of values one matcher
// allows (= or =~"a|b|c") that another rejects, or two = and =~ matchers
// whose regular expressions match no string in common.
func DisjointMatchers(ms []*labels.Matcher) bool {
	return Budgets{}.DisjointMatchers(ms)
}

// DisjointMatchers is DisjointMatchers within the budgets bu.
func (bu Budgets) DisjointMatchers(ms []*labels.Matcher) bool {
	return bu.disjointMatchers(ms) == Yes
}

func (bu Budgets) disjointMatchers(ms []*labels.Matcher) Verdict {
	verdict := No
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
			return Yes
		}
	}
	for i, m := range ms {
		for _, n := range ms[i+1:] {
			if !positive(m) || !positive(n) {
				continue
			}
			switch bu.regexpsDisjoint(asRegexp(m), asRegexp(n)) {
			case Yes:
				return Yes
			case TooComplex:
				verdict = TooComplex
			}
		}
	}
	return verdict
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
	return Budgets{}.regexpsDisjoint(a, b) == Yes
}

func (bu Budgets) regexpsDisjoint(a, b string) Verdict {
	if len(a) > bu.regexpBytes() || len(b) > bu.regexpBytes() {
		return TooComplex
	}
	pa, ok := compileMatcherRegexp(a)
	if !ok {
		return No
	}
	pb, ok := compileMatcherRegexp(b)
	if !ok {
		return No
	}
	type state struct{ a, b uint32 }
	seen := map[state]bool{}
	var queue []state
	// push adds the pairs of as and bs, unless they would take the walk
	// past its budget: the pairs of two closures are a product (5,000
	// alternatives each were 25 million states, 1.2 GiB, at once).
	push := func(as, bs []uint32) bool {
		if len(seen)+len(as)*len(bs) > bu.regexpStates() {
			return false
		}
		for _, x := range as {
			for _, y := range bs {
				if s := (state{x, y}); !seen[s] {
					seen[s] = true
					queue = append(queue, s)
				}
			}
		}
		return true
	}
	sa, ok := closure(pa, uint32(pa.Start))
	if !ok {
		return No
	}
	sb, ok := closure(pb, uint32(pb.Start))
	if !ok {
		return No
	}
	if !push(sa, sb) {
		return TooComplex
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		ia, ib := &pa.Inst[s.a], &pb.Inst[s.b]
		ma, mb := ia.Op == syntax.InstMatch, ib.Op == syntax.InstMatch
		if ma && mb {
			return No
		}
		if ma || mb || !runesOverlap(runeRanges(ia), runeRanges(ib)) {
			continue
		}
		na, ok := closure(pa, ia.Out)
		if !ok {
			return No
		}
		nb, ok := closure(pb, ib.Out)
		if !ok {
			return No
		}
		if !push(na, nb) {
			return TooComplex
		}
	}
	return Yes
}

// compileMatcherRegexp compiles a regular expression as PromQL reads a
// matcher's (. matches a newline too).
func compileMatcherRegexp(re string) (*syntax.Prog, bool) {
	progs.Lock()
	prog, ok := progs.m[re]
	progs.Unlock()
	if ok {
		return prog, prog != nil
	}
	prog, _ = compileRegexp(re)
	progs.Lock()
	defer progs.Unlock()
	if progs.m == nil || len(progs.m) >= maxProgs {
		// A new map past the bound: what it keeps stays bounded.
		progs.m = map[string]*syntax.Prog{}
	}
	progs.m[re] = prog
	return prog, prog != nil
}

// progs keeps the programs of the regexps compared lately: the rules of
// one name are compared pairwise, each regexp with many others, and
// compiling was half the time of a comparison. Programs are only read once
// made. maxProgs bounds the entries.
var progs struct {
	sync.Mutex
	m map[string]*syntax.Prog
}

const maxProgs = 4096

func compileRegexp(re string) (*syntax.Prog, bool) {
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
