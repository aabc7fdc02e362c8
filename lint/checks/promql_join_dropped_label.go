package checks

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
)

// PromqlJoinDroppedLabel reports on(...), group_left(...) and by(...) that
// name a label an inner aggregation already removed.
var PromqlJoinDroppedLabel = &lint.Check{
	ID:       "promql/join-dropped-label",
	Title:    "on(), group_left() or by() on a label already aggregated away",
	Severity: lint.Warning,
	Doc: `An aggregation keeps only its ` + "`by (...)`" + ` labels (or drops its ` + "`without (...)`" + `
ones), and a one-to-one ` + "`/ on (...)`" + ` keeps only the ` + "`on`" + ` labels. A later operation
that names a label removed there finds it empty:

- ` + "`sum by (namespace) (a) / on (namespace, pod) b`" + `: the left side has no pod, so
  no series of b that has one ever matches, and the result is empty;
- ` + "`x * on (pod) group_left (node) sum by (pod) (y)`" + `: the right side has no node
  to copy;
- ` + "`max by (pod) (sum by (namespace) (a))`" + `: pod is empty in every series.

The check follows the labels each part of the expression can carry, through
aggregations, joins, ` + "`label_replace`" + ` and the recording rules of the files
linted (their expression, rule labels and group labels). A raw selector can
carry any label, so only a removal the expression itself makes is reported.
Labels added outside the rules, such as the external labels a Thanos or
Mimir ruler sees on recorded series, are not known: aggregate by them
explicitly.`,
	Files: func(c *lint.FilesContext) {
		ls := newLabelSets(recordingRules(c))
		for _, f := range c.Files {
			for _, g := range f.Groups() {
				for _, r := range g.Rules {
					if r.Parsed == nil {
						continue
					}
					report := func(n parser.Node, hint, format string, args ...any) {
						c.ReportSpan(f, g, r, exprSpan(f, r, n), hint, format, args...)
					}
					parser.Inspect(r.Parsed, func(n parser.Node, _ []parser.Node) error {
						switch n := n.(type) {
						case *parser.BinaryExpr:
							checkJoin(ls, n, report)
						case *parser.AggregateExpr:
							if n.Without || len(n.Grouping) == 0 {
								return nil
							}
							in := ls.of(n.Expr)
							for _, l := range n.Grouping {
								if !in.canHave(l) {
									report(n.Expr, "keep "+l+" in the input, or drop it from by (...)", "by (%s) groups by a label its input does not have (%s): %s is empty in every series", l, in.why(l), l)
								}
							}
						}
						return nil
					})
				}
			}
		}
	},
}

func checkJoin(ls *labelSets, b *parser.BinaryExpr, report func(parser.Node, string, string, ...any)) {
	vm := b.VectorMatching
	if vm == nil || b.LHS.Type() == parser.ValueTypeScalar || b.RHS.Type() == parser.ValueTypeScalar {
		return
	}
	lhs, rhs := ls.of(b.LHS), ls.of(b.RHS)
	if vm.On {
		for _, l := range vm.MatchingLabels {
			switch {
			case !lhs.canHave(l) && rhs.canHave(l):
				report(b.LHS, "keep "+l+" on the left side, or drop it from on (...)", "on (%s) joins on a label the left side does not have (%s): series that have %s on the right never match", l, lhs.why(l), l)
			case lhs.canHave(l) && !rhs.canHave(l):
				report(b.RHS, "keep "+l+" on the right side, or drop it from on (...)", "on (%s) joins on a label the right side does not have (%s): series that have %s on the left never match", l, rhs.why(l), l)
			}
		}
	}
	one, side, modifier := rhs, b.RHS, "group_left"
	if vm.Card == parser.CardOneToMany {
		one, side, modifier = lhs, b.LHS, "group_right"
	}
	for _, l := range vm.Include {
		if !one.canHave(l) {
			report(side, "keep "+l+" on the side it is copied from", "%s (%s) copies %s from a side that does not have it (%s): the result never has it", modifier, l, l, one.why(l))
		}
	}
}

// labelSet is what labels the series of an expression can carry. An open
// set can carry any label but those gone; a closed one only those in has.
type labelSet struct {
	open bool
	has  map[string]bool
	// gone holds, for labels removed by name, what removed them.
	gone map[string]string
	// by is what fixed a closed set, for the labels it does not have.
	by string
}

func openSet() labelSet { return labelSet{open: true} }

func closedSet(by string, ls ...string) labelSet {
	s := labelSet{has: map[string]bool{}, gone: map[string]string{}, by: by}
	for _, l := range ls {
		s.has[l] = true
	}
	return s
}

func (s labelSet) canHave(l string) bool {
	if _, ok := s.gone[l]; ok {
		return false
	}
	return s.open || s.has[l]
}

// why says what removed a label the set cannot have.
func (s labelSet) why(l string) string {
	if w, ok := s.gone[l]; ok {
		return w
	}
	return s.by
}

func (s labelSet) clone() labelSet {
	out := labelSet{open: s.open, by: s.by, has: map[string]bool{}, gone: map[string]string{}}
	for l := range s.has {
		out.has[l] = true
	}
	for l, w := range s.gone {
		out.gone[l] = w
	}
	return out
}

// keep restricts s to ls.
func (s labelSet) keep(by string, ls []string) labelSet {
	var kept []string
	for _, l := range ls {
		if s.canHave(l) {
			kept = append(kept, l)
		}
	}
	out := closedSet(by, kept...)
	for _, l := range ls {
		if !s.canHave(l) {
			out.gone[l] = s.why(l)
		}
	}
	return out
}

func (s labelSet) drop(by string, ls []string) labelSet {
	out := s.clone()
	for _, l := range ls {
		if s.canHave(l) {
			out.gone[l] = by
		}
	}
	return out
}

func (s labelSet) add(ls ...string) labelSet {
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
func union(a, b labelSet) labelSet {
	out := labelSet{open: a.open || b.open, has: map[string]bool{}, gone: map[string]string{}, by: a.by}
	if a.by != b.by && b.by != "" {
		out.by = strings.TrimPrefix(a.by+"; "+b.by, "; ")
	}
	for _, s := range []labelSet{a, b} {
		for l := range s.has {
			out.has[l] = true
		}
		for l, w := range s.gone {
			if !a.canHave(l) && !b.canHave(l) {
				out.gone[l] = w
			}
		}
	}
	return out
}

// labelSets works out the label sets of expressions, following the
// recording rules of the files.
type labelSets struct {
	recorded map[string][]recordingRule
	memo     map[string]labelSet
	visiting map[string]bool
}

func newLabelSets(recorded map[string][]recordingRule) *labelSets {
	return &labelSets{recorded: recorded, memo: map[string]labelSet{}, visiting: map[string]bool{}}
}

// series returns the labels of a recorded name: those of the expressions
// that record it, with their rule and group labels.
func (ls *labelSets) series(name string) labelSet {
	rs := ls.recorded[name]
	if len(rs) == 0 || ls.visiting[name] {
		return openSet()
	}
	if s, ok := ls.memo[name]; ok {
		return s
	}
	ls.visiting[name] = true
	defer delete(ls.visiting, name)
	var out labelSet
	for i, rr := range rs {
		if rr.rule.Parsed == nil {
			out = openSet()
			break
		}
		s := ls.of(rr.rule.Parsed)
		if !s.open {
			s.by = name + ", recorded from " + s.by
		}
		for _, p := range rr.group.Labels {
			s = s.add(p.Key.Value)
		}
		for _, p := range rr.rule.Labels {
			s = s.add(p.Key.Value)
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

// of returns the label set of an expression.
func (ls *labelSets) of(e parser.Expr) labelSet {
	switch e := e.(type) {
	case *parser.VectorSelector:
		return ls.series(metricName(e))
	case *parser.MatrixSelector:
		return ls.of(e.VectorSelector)
	case *parser.SubqueryExpr:
		return ls.of(e.Expr)
	case *parser.ParenExpr:
		return ls.of(e.Expr)
	case *parser.StepInvariantExpr:
		return ls.of(e.Expr)
	case *parser.UnaryExpr:
		return ls.of(e.Expr)
	case *parser.AggregateExpr:
		in := ls.of(e.Expr)
		desc := describeAggregation(e)
		var out labelSet
		switch {
		case e.Op == parser.TOPK || e.Op == parser.BOTTOMK || e.Op == parser.LIMITK || e.Op == parser.LIMIT_RATIO:
			return in
		case e.Without:
			out = in.drop(desc+", which removes it", e.Grouping)
		case len(e.Grouping) == 0:
			out = in.keep(desc+", which keeps no label", nil)
		default:
			out = in.keep(desc+", which keeps only "+strings.Join(e.Grouping, ", "), e.Grouping)
		}
		if e.Op == parser.COUNT_VALUES {
			if s, ok := unparen(e.Param).(*parser.StringLiteral); ok {
				out = out.add(s.Val)
			}
		}
		return out
	case *parser.BinaryExpr:
		return ls.binary(e)
	case *parser.Call:
		return ls.call(e)
	}
	return closedSet("a scalar")
}

func (ls *labelSets) binary(e *parser.BinaryExpr) labelSet {
	lt, rt := e.LHS.Type() == parser.ValueTypeScalar, e.RHS.Type() == parser.ValueTypeScalar
	switch {
	case lt && rt:
		return closedSet("a scalar")
	case rt:
		return ls.of(e.LHS)
	case lt:
		return ls.of(e.RHS)
	}
	vm := e.VectorMatching
	switch {
	case e.Op == parser.LAND || e.Op == parser.LUNLESS:
		return ls.of(e.LHS)
	case e.Op == parser.LOR:
		return union(ls.of(e.LHS), ls.of(e.RHS))
	case vm == nil:
		return ls.of(e.LHS)
	case vm.Card == parser.CardOneToOne && vm.On:
		desc := fmt.Sprintf("%s on (%s), which keeps only ", e.Op, strings.Join(vm.MatchingLabels, ", "))
		if len(vm.MatchingLabels) == 0 {
			desc = fmt.Sprintf("%s on (), which keeps no label", e.Op)
		} else {
			desc += strings.Join(vm.MatchingLabels, ", ")
		}
		return ls.of(e.LHS).keep(desc, vm.MatchingLabels)
	case vm.Card == parser.CardOneToOne:
		return ls.of(e.LHS).drop(fmt.Sprintf("%s ignoring (%s), which removes it", e.Op, strings.Join(vm.MatchingLabels, ", ")), vm.MatchingLabels)
	}
	many, one, modifier := ls.of(e.LHS), ls.of(e.RHS), "group_left"
	if vm.Card == parser.CardOneToMany {
		many, one, modifier = one, many, "group_right"
	}
	for _, l := range vm.Include {
		if one.canHave(l) {
			many = many.add(l)
		} else {
			many = many.drop(fmt.Sprintf("%s (%s) copies it from a side without it", modifier, l), []string{l})
		}
	}
	return many
}

func (ls *labelSets) call(e *parser.Call) labelSet {
	str := func(i int) (string, bool) {
		if i >= len(e.Args) {
			return "", false
		}
		s, ok := unparen(e.Args[i]).(*parser.StringLiteral)
		if !ok {
			return "", false
		}
		return s.Val, true
	}
	switch e.Func.Name {
	case "absent", "absent_over_time":
		var vs *parser.VectorSelector
		if len(e.Args) == 1 {
			switch a := unparen(e.Args[0]).(type) {
			case *parser.VectorSelector:
				vs = a
			case *parser.MatrixSelector:
				vs, _ = a.VectorSelector.(*parser.VectorSelector)
			}
		}
		var eq []string
		if vs != nil {
			for _, m := range vs.LabelMatchers {
				if m.Type == labels.MatchEqual && m.Name != "__name__" && m.Value != "" {
					eq = append(eq, m.Name)
				}
			}
		}
		return closedSet(e.Func.Name+"(), which keeps only the labels of its = matchers", eq...)
	case "label_replace":
		in := ls.of(e.Args[0])
		dst, ok1 := str(1)
		repl, ok2 := str(2)
		if ok1 && ok2 && repl != "" {
			return in.add(dst)
		}
		return in
	case "label_join":
		in := ls.of(e.Args[0])
		if dst, ok := str(1); ok {
			return in.add(dst)
		}
		return in
	case "histogram_quantile", "histogram_fraction":
		for _, a := range e.Args {
			if a.Type() == parser.ValueTypeVector {
				return ls.of(a).drop(e.Func.Name+"(), which removes it", []string{"le"})
			}
		}
	case "info":
		return openSet()
	}
	for _, a := range e.Args {
		if t := a.Type(); t == parser.ValueTypeVector || t == parser.ValueTypeMatrix {
			return ls.of(a)
		}
	}
	return closedSet(e.Func.Name + "(), which has no labels")
}

func describeAggregation(e *parser.AggregateExpr) string {
	switch {
	case e.Without:
		return fmt.Sprintf("%s without (%s)", e.Op, strings.Join(e.Grouping, ", "))
	case len(e.Grouping) == 0:
		return e.Op.String() + "()"
	}
	return fmt.Sprintf("%s by (%s)", e.Op, strings.Join(e.Grouping, ", "))
}
