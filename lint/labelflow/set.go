package labelflow

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
)

// Set is what labels the series of an expression can carry. An open set
// can carry any label but those gone; a closed one only those in has.
type Set struct {
	open bool
	has  map[string]bool
	// gone holds, for labels removed by name, what removed them.
	gone map[string]string
	// by is what fixed a closed set, for the labels it does not have.
	by string
}

func openSet() Set { return Set{open: true} }

func closedSet(by string, ls ...string) Set {
	s := Set{has: map[string]bool{}, gone: map[string]string{}, by: by}
	for _, l := range ls {
		s.has[l] = true
	}
	return s
}

// CanHave reports whether series of the set can carry label l.
func (s Set) CanHave(l string) bool {
	if _, ok := s.gone[l]; ok {
		return false
	}
	return s.open || s.has[l]
}

// Why says what removed a label the set cannot have: "sum by (namespace),
// which keeps only namespace".
func (s Set) Why(l string) string {
	if w, ok := s.gone[l]; ok {
		return w
	}
	return s.by
}

// Labels returns the labels the series of a closed set can carry, sorted,
// and true; false for an open set, which can carry any label.
func (s Set) Labels() ([]string, bool) {
	if s.open {
		return nil, false
	}
	var out []string
	for l := range s.has {
		if s.CanHave(l) {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out, true
}

func (s Set) clone() Set {
	out := Set{open: s.open, by: s.by, has: map[string]bool{}, gone: map[string]string{}}
	for l := range s.has {
		out.has[l] = true
	}
	for l, w := range s.gone {
		out.gone[l] = w
	}
	return out
}

// keep restricts s to ls.
func (s Set) keep(by string, ls []string) Set {
	var kept []string
	for _, l := range ls {
		if s.CanHave(l) {
			kept = append(kept, l)
		}
	}
	out := closedSet(by, kept...)
	for _, l := range ls {
		if !s.CanHave(l) {
			out.gone[l] = s.Why(l)
		}
	}
	return out
}

func (s Set) drop(by string, ls []string) Set {
	out := s.clone()
	for _, l := range ls {
		if s.CanHave(l) {
			out.gone[l] = by
		}
	}
	return out
}

func (s Set) add(ls ...string) Set {
	out := s.clone()
	for _, l := range ls {
		delete(out.gone, l)
		if !out.open {
			out.has[l] = true
		}
	}
	return out
}

// union is what either of two sets can carry.
func union(a, b Set) Set {
	out := Set{open: a.open || b.open, has: map[string]bool{}, gone: map[string]string{}, by: a.by}
	if a.by != b.by && b.by != "" {
		out.by = strings.TrimPrefix(a.by+"; "+b.by, "; ")
	}
	for _, s := range []Set{a, b} {
		for l := range s.has {
			out.has[l] = true
		}
		for l, w := range s.gone {
			if !a.CanHave(l) && !b.CanHave(l) {
				out.gone[l] = w
			}
		}
	}
	return out
}

// Recording is a recording rule, as far as the labels of the series it
// records go.
type Recording struct {
	// Parsed says whether its expression parses; Flow is the expression's
	// node when it does.
	Parsed bool
	Flow   *Node
	// GroupLabels and RuleLabels are the names of the labels its group and
	// the rule itself set.
	GroupLabels, RuleLabels []string
}

// Sets works out the label sets of nodes, following recorded names into
// the rules that record them. It is not safe for use by several
// goroutines at once.
type Sets struct {
	recorded func(name string) []Recording
	memo     map[string]Set
	visiting map[string]bool
}

// NewSets returns Sets that find the rules recording a name with recorded;
// a name no rule records is a raw series, which can carry any label.
func NewSets(recorded func(name string) []Recording) *Sets {
	return &Sets{recorded: recorded, memo: map[string]Set{}, visiting: map[string]bool{}}
}

// series returns the labels of a recorded name: those of the expressions
// that record it, with their rule and group labels.
func (ls *Sets) series(name string) Set {
	if s, ok := ls.memo[name]; ok {
		return s
	}
	rs := ls.recorded(name)
	if len(rs) == 0 || ls.visiting[name] {
		return openSet()
	}
	ls.visiting[name] = true
	defer delete(ls.visiting, name)
	var out Set
	for i, rr := range rs {
		if !rr.Parsed {
			out = openSet()
			break
		}
		s := ls.Of(rr.Flow)
		if !s.open {
			s.by = name + ", recorded from " + s.by
		}
		for _, l := range rr.GroupLabels {
			s = s.add(l)
		}
		for _, l := range rr.RuleLabels {
			s = s.add(l)
		}
		if i == 0 {
			out = s
		} else {
			out = union(out, s)
		}
	}
	ls.memo[name] = out
	return out
}

// Of returns the label set of a node.
func (ls *Sets) Of(e *Node) Set {
	switch e.Kind {
	case Series:
		return ls.series(e.name)
	case Aggregate:
		in := ls.Of(e.LHS)
		grouping := e.Labels.All()
		desc := Grouping(e.op, e.without, grouping)
		var out Set
		switch {
		case e.op == parser.TOPK || e.op == parser.BOTTOMK || e.op == parser.LIMITK || e.op == parser.LIMIT_RATIO:
			return in
		case e.without:
			out = in.drop(desc+", which removes it", grouping)
		case len(grouping) == 0:
			out = in.keep(desc+", which keeps no label", nil)
		default:
			out = in.keep(desc+", which keeps only "+strings.Join(grouping, ", "), grouping)
		}
		if e.countLabel {
			out = out.add(e.name)
		}
		return out
	case Binary:
		return ls.binary(e)
	case Absent:
		return closedSet(e.name+"(), which keeps only the labels of its = matchers", e.Labels.All()...)
	case Add:
		return ls.Of(e.LHS).add(e.name)
	case Histogram:
		return ls.Of(e.LHS).drop(e.name+"(), which removes it", []string{"le"})
	case Open:
		return openSet()
	case NoLabels:
		return closedSet(e.name + "(), which has no labels")
	}
	return closedSet("a scalar")
}

func (ls *Sets) binary(e *Node) Set {
	switch {
	case e.lt && e.rt:
		return closedSet("a scalar")
	case e.rt:
		return ls.Of(e.LHS)
	case e.lt:
		return ls.Of(e.RHS)
	}
	vm := e.Join
	switch {
	case e.op == parser.LAND || e.op == parser.LUNLESS:
		return ls.Of(e.LHS)
	case e.op == parser.LOR:
		return union(ls.Of(e.LHS), ls.Of(e.RHS))
	case vm == nil:
		return ls.Of(e.LHS)
	case vm.Card == parser.CardOneToOne && vm.On:
		matching := vm.Matching.All()
		desc := fmt.Sprintf("%s on (%s), which keeps only ", e.op, strings.Join(matching, ", "))
		if len(matching) == 0 {
			desc = fmt.Sprintf("%s on (), which keeps no label", e.op)
		} else {
			desc += strings.Join(matching, ", ")
		}
		return ls.Of(e.LHS).keep(desc, matching)
	case vm.Card == parser.CardOneToOne:
		matching := vm.Matching.All()
		return ls.Of(e.LHS).drop(fmt.Sprintf("%s ignoring (%s), which removes it", e.op, strings.Join(matching, ", ")), matching)
	}
	many, one, modifier := ls.Of(e.LHS), ls.Of(e.RHS), "group_left"
	if vm.Card == parser.CardOneToMany {
		many, one, modifier = one, many, "group_right"
	}
	for _, l := range vm.Include.All() {
		if one.CanHave(l) {
			many = many.add(l)
		} else {
			many = many.drop(fmt.Sprintf("%s (%s) copies it from a side without it", modifier, l), []string{l})
		}
	}
	return many
}

// Grouping writes an aggregation's operator and grouping, as messages show
// it: sum by (namespace), max without (pod), count().
func Grouping(op parser.ItemType, without bool, grouping []string) string {
	switch {
	case without:
		return fmt.Sprintf("%s without (%s)", op, strings.Join(grouping, ", "))
	case len(grouping) == 0:
		return op.String() + "()"
	}
	return fmt.Sprintf("%s by (%s)", op, strings.Join(grouping, ", "))
}

// Alternatives returns the expressions whose series e returns one at a
// time, as they are: the operands of the or operations at its top (through
// parentheses, comparisons and arithmetic with a scalar, and the left of
// and and unless, which return their left side's series), or e alone. An
// alert's templates see the labels of whichever fires: a label the union
// can carry may still be missing from one of them (x == 0 or absent(x)).
// Functions and aggregations are not looked into: an or under them (the
// increase() of x or 0*absent(x)) no longer returns its sides as they are.
func Alternatives(e parser.Expr) []parser.Expr {
	switch e := e.(type) {
	case *parser.ParenExpr:
		return Alternatives(e.Expr)
	case *parser.StepInvariantExpr:
		return Alternatives(e.Expr)
	case *parser.BinaryExpr:
		lt, rt := e.LHS.Type() == parser.ValueTypeScalar, e.RHS.Type() == parser.ValueTypeScalar
		switch {
		case lt && rt:
		case rt:
			return Alternatives(e.LHS)
		case lt:
			return Alternatives(e.RHS)
		case e.Op == parser.LOR:
			return append(Alternatives(e.LHS), Alternatives(e.RHS)...)
		case e.Op == parser.LAND || e.Op == parser.LUNLESS:
			return Alternatives(e.LHS)
		}
	}
	return []parser.Expr{e}
}
