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
	File: keepSummary,
	Files: func(c *lint.FilesContext) {
		sums := summaries(c)
		ls := newLabelSets(recordingRulesOf(c))
		for _, s := range sums {
			for _, r := range s.rules {
				if !r.parsed {
					continue
				}
				report := func(sp span32, hint, format string, args ...any) {
					c.ReportSpan(s.path, s.groups[r.group].name, r.name, sp.span(), hint, format, args...)
				}
				for _, site := range r.sites {
					n := site.node
					if n.kind == flowBinary {
						checkJoin(ls, site, report)
						continue
					}
					in := ls.of(n.lhs)
					for _, l := range n.labels.all() {
						if !in.canHave(l) {
							report(site.lhs, "keep "+l+" in the input, or drop it from by (...)", "by (%s) groups by a label its input does not have (%s): %s is empty in every series", l, in.why(l), l)
						}
					}
				}
			}
		}
	},
}

// flowSite is a part of an expression promql/join-dropped-label checks: a
// binary operation between vectors with a vector matching, or an
// aggregation by labels, with the spans of its operands.
type flowSite struct {
	node     *flowNode
	lhs, rhs span32
}

func checkJoin(ls *labelSets, site flowSite, report func(span32, string, string, ...any)) {
	vm := site.node.join
	lhs, rhs := ls.of(site.node.lhs), ls.of(site.node.rhs)
	if vm.on {
		for _, l := range vm.matching.all() {
			switch {
			case !lhs.canHave(l) && rhs.canHave(l):
				report(site.lhs, "keep "+l+" on the left side, or drop it from on (...)", "on (%s) joins on a label the left side does not have (%s): series that have %s on the right never match", l, lhs.why(l), l)
			case lhs.canHave(l) && !rhs.canHave(l):
				report(site.rhs, "keep "+l+" on the right side, or drop it from on (...)", "on (%s) joins on a label the right side does not have (%s): series that have %s on the left never match", l, rhs.why(l), l)
			}
		}
	}
	one, side, modifier := rhs, site.rhs, "group_left"
	if vm.card == parser.CardOneToMany {
		one, side, modifier = lhs, site.lhs, "group_right"
	}
	for _, l := range vm.include.all() {
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
		if !rr.rule.parsed {
			out = openSet()
			break
		}
		s := ls.of(rr.rule.flow)
		if !s.open {
			s.by = name + ", recorded from " + s.by
		}
		for _, l := range rr.group.labels.all() {
			s = s.add(l)
		}
		for _, l := range rr.rule.labels.all() {
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

// flowNode is an expression as far as the labels of its result go: the
// part of the parsed expression labelSets reads, without the rest
// (matchers, literals, positions). Parentheses, range selectors,
// subqueries, functions that keep their argument's labels and the like are
// left out: their node is their argument's. Nodes are shared: a file has
// one node of each kind with the same operands.
type flowNode struct {
	kind flowKind
	// without is an aggregation's; lt and rt say that the sides of a
	// binary operation are scalars; countLabel that a count_values has a
	// string label, name.
	without, lt, rt, countLabel bool
	// op is the operator of an aggregation or a binary operation.
	op parser.ItemType
	// name is a selector's metric name, a function's name, the label
	// count_values, label_replace or label_join add.
	name string
	// labels are an aggregation's grouping, or the labels absent() keeps.
	labels *names
	// lhs is the operand (the left one of a binary operation), rhs the
	// right one.
	lhs, rhs *flowNode
	// join is a binary operation's vector matching, or nil.
	join *joinMatching
}

type flowKind uint8

const (
	flowScalar    flowKind = iota // no labels: a scalar
	flowSeries                    // a selector of name
	flowAggregate                 // op of lhs
	flowBinary                    // lhs op rhs
	flowAbsent                    // absent() or absent_over_time() of a selector
	flowAdd                       // lhs with the label name added
	flowHistogram                 // histogram_quantile() or histogram_fraction() of lhs
	flowOpen                      // any label: info()
	flowNoLabels                  // a function with no vector argument
)

// joinMatching is parser.VectorMatching, as far as labels go.
type joinMatching struct {
	card              parser.VectorMatchCardinality
	on                bool
	matching, include *names
}

// flowBuilder turns the parts of a parsed expression into flow nodes.
type flowBuilder struct {
	nodes map[parser.Expr]*flowNode
	in    *interner
}

func (b *flowBuilder) node(e parser.Expr) *flowNode {
	if n, ok := b.nodes[e]; ok {
		return n
	}
	n := b.build(e)
	b.nodes[e] = n
	return n
}

// build mirrors what labelSets.of did of a parsed expression: it reads the
// same parts of it, in the same order.
func (b *flowBuilder) build(e parser.Expr) *flowNode {
	switch e := e.(type) {
	case *parser.VectorSelector:
		return b.in.node(flowNode{kind: flowSeries, name: b.in.str(metricName(e))})
	case *parser.MatrixSelector:
		return b.node(e.VectorSelector)
	case *parser.SubqueryExpr:
		return b.node(e.Expr)
	case *parser.ParenExpr:
		return b.node(e.Expr)
	case *parser.StepInvariantExpr:
		return b.node(e.Expr)
	case *parser.UnaryExpr:
		return b.node(e.Expr)
	case *parser.AggregateExpr:
		n := flowNode{kind: flowAggregate, op: e.Op, without: e.Without, labels: b.in.names(e.Grouping), lhs: b.node(e.Expr)}
		if e.Op == parser.COUNT_VALUES {
			if s, ok := unparen(e.Param).(*parser.StringLiteral); ok {
				n.countLabel, n.name = true, b.in.str(s.Val)
			}
		}
		return b.in.node(n)
	case *parser.BinaryExpr:
		n := flowNode{kind: flowBinary, op: e.Op, lt: e.LHS.Type() == parser.ValueTypeScalar, rt: e.RHS.Type() == parser.ValueTypeScalar,
			lhs: b.node(e.LHS), rhs: b.node(e.RHS)}
		if vm := e.VectorMatching; vm != nil {
			n.join = b.in.join(joinMatching{card: vm.Card, on: vm.On, matching: b.in.names(vm.MatchingLabels), include: b.in.names(vm.Include)})
		}
		return b.in.node(n)
	case *parser.Call:
		return b.call(e)
	}
	return b.in.node(flowNode{kind: flowScalar})
}

func (b *flowBuilder) call(e *parser.Call) *flowNode {
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
	name := b.in.str(e.Func.Name)
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
		return b.in.node(flowNode{kind: flowAbsent, name: name, labels: b.in.names(eq)})
	case "label_replace":
		in := b.node(e.Args[0])
		dst, ok1 := str(1)
		repl, ok2 := str(2)
		if ok1 && ok2 && repl != "" {
			return b.in.node(flowNode{kind: flowAdd, name: b.in.str(dst), lhs: in})
		}
		return in
	case "label_join":
		in := b.node(e.Args[0])
		if dst, ok := str(1); ok {
			return b.in.node(flowNode{kind: flowAdd, name: b.in.str(dst), lhs: in})
		}
		return in
	case "histogram_quantile", "histogram_fraction":
		for _, a := range e.Args {
			if a.Type() == parser.ValueTypeVector {
				return b.in.node(flowNode{kind: flowHistogram, name: name, lhs: b.node(a)})
			}
		}
	case "info":
		return b.in.node(flowNode{kind: flowOpen})
	}
	for _, a := range e.Args {
		if t := a.Type(); t == parser.ValueTypeVector || t == parser.ValueTypeMatrix {
			return b.node(a)
		}
	}
	return b.in.node(flowNode{kind: flowNoLabels, name: name})
}

// of returns the label set of an expression.
func (ls *labelSets) of(e *flowNode) labelSet {
	switch e.kind {
	case flowSeries:
		return ls.series(e.name)
	case flowAggregate:
		in := ls.of(e.lhs)
		grouping := e.labels.all()
		desc := describeGrouping(e.op, e.without, grouping)
		var out labelSet
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
	case flowBinary:
		return ls.binary(e)
	case flowAbsent:
		return closedSet(e.name+"(), which keeps only the labels of its = matchers", e.labels.all()...)
	case flowAdd:
		return ls.of(e.lhs).add(e.name)
	case flowHistogram:
		return ls.of(e.lhs).drop(e.name+"(), which removes it", []string{"le"})
	case flowOpen:
		return openSet()
	case flowNoLabels:
		return closedSet(e.name + "(), which has no labels")
	}
	return closedSet("a scalar")
}

func (ls *labelSets) binary(e *flowNode) labelSet {
	switch {
	case e.lt && e.rt:
		return closedSet("a scalar")
	case e.rt:
		return ls.of(e.lhs)
	case e.lt:
		return ls.of(e.rhs)
	}
	vm := e.join
	switch {
	case e.op == parser.LAND || e.op == parser.LUNLESS:
		return ls.of(e.lhs)
	case e.op == parser.LOR:
		return union(ls.of(e.lhs), ls.of(e.rhs))
	case vm == nil:
		return ls.of(e.lhs)
	case vm.card == parser.CardOneToOne && vm.on:
		matching := vm.matching.all()
		desc := fmt.Sprintf("%s on (%s), which keeps only ", e.op, strings.Join(matching, ", "))
		if len(matching) == 0 {
			desc = fmt.Sprintf("%s on (), which keeps no label", e.op)
		} else {
			desc += strings.Join(matching, ", ")
		}
		return ls.of(e.lhs).keep(desc, matching)
	case vm.card == parser.CardOneToOne:
		matching := vm.matching.all()
		return ls.of(e.lhs).drop(fmt.Sprintf("%s ignoring (%s), which removes it", e.op, strings.Join(matching, ", ")), matching)
	}
	many, one, modifier := ls.of(e.lhs), ls.of(e.rhs), "group_left"
	if vm.card == parser.CardOneToMany {
		many, one, modifier = one, many, "group_right"
	}
	for _, l := range vm.include.all() {
		if one.canHave(l) {
			many = many.add(l)
		} else {
			many = many.drop(fmt.Sprintf("%s (%s) copies it from a side without it", modifier, l), []string{l})
		}
	}
	return many
}

func describeAggregation(e *parser.AggregateExpr) string {
	return describeGrouping(e.Op, e.Without, e.Grouping)
}

func describeGrouping(op parser.ItemType, without bool, grouping []string) string {
	switch {
	case without:
		return fmt.Sprintf("%s without (%s)", op, strings.Join(grouping, ", "))
	case len(grouping) == 0:
		return op.String() + "()"
	}
	return fmt.Sprintf("%s by (%s)", op, strings.Join(grouping, ", "))
}
