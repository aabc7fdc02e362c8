// Package labelflow works out which labels the series of a PromQL
// expression can carry: through aggregations, joins, label_replace and the
// recording rules whose recorded series it reads. An expression is first
// turned into a Node (Builder), the part of it the labels depend on, small
// enough to keep for every rule of every file; Sets then gives the Set of
// labels of a node, following recorded names into their rules.
package labelflow

import (
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/intern"
)

// Node is an expression as far as the labels of its result go: the part
// of the parsed expression Sets reads, without the rest (matchers,
// literals, positions). Parentheses, range selectors, subqueries, functions
// that keep their argument's labels and the like are left out: their node
// is their argument's. Nodes are shared: a Builder makes one node of each
// kind with the same operands.
type Node struct {
	Kind Kind
	// without is an aggregation's; lt and rt say that the sides of a
	// binary operation are scalars; countLabel that a count_values has a
	// string label, name.
	without, lt, rt, countLabel bool
	// op is the operator of an aggregation or a binary operation.
	op parser.ItemType
	// name is a selector's metric name, a function's name, the label
	// count_values, label_replace or label_join add.
	name string
	// Labels are an aggregation's grouping, or the labels absent() keeps.
	Labels *intern.Names
	// LHS is the operand (the left one of a binary operation), RHS the
	// right one.
	LHS, RHS *Node
	// Join is a binary operation's vector matching, or nil.
	Join *Join
}

// Kind is what a node is.
type Kind uint8

const (
	Scalar    Kind = iota // no labels: a scalar
	Series                // a selector of name
	Aggregate             // op of LHS
	Binary                // LHS op RHS
	Absent                // absent() or absent_over_time() of a selector
	Add                   // LHS with the label name added
	Histogram             // histogram_quantile() or histogram_fraction() of LHS
	Open                  // any label: info()
	NoLabels              // a function with no vector argument
)

// Join is parser.VectorMatching, as far as labels go.
type Join struct {
	Card              parser.VectorMatchCardinality
	On                bool
	Matching, Include *intern.Names
}

// Builder turns the parts of parsed expressions into nodes, keeping one
// node of each kind with the same operands. It is not safe for use by
// several goroutines at once.
type Builder struct {
	in       *intern.Interner
	nodes    map[parser.Expr]*Node
	interned map[Node]*Node
	joins    map[Join]*Join
}

// NewBuilder returns a Builder that keeps names with in.
func NewBuilder(in *intern.Interner) *Builder {
	return &Builder{in: in, nodes: map[parser.Expr]*Node{}, interned: map[Node]*Node{}, joins: map[Join]*Join{}}
}

// Node returns the node of e.
func (b *Builder) Node(e parser.Expr) *Node {
	if n, ok := b.nodes[e]; ok {
		return n
	}
	n := b.build(e)
	b.nodes[e] = n
	return n
}

// Forget lets go of the expressions seen so far; their nodes stay, and are
// shared with those of the expressions to come.
func (b *Builder) Forget() { clear(b.nodes) }

func (b *Builder) node(n Node) *Node { return intern.Value(b.interned, n) }

func (b *Builder) build(e parser.Expr) *Node {
	switch e := e.(type) {
	case *parser.VectorSelector:
		return b.node(Node{Kind: Series, name: b.in.Str(metricName(e))})
	case *parser.MatrixSelector:
		return b.Node(e.VectorSelector)
	case *parser.SubqueryExpr:
		return b.Node(e.Expr)
	case *parser.ParenExpr:
		return b.Node(e.Expr)
	case *parser.StepInvariantExpr:
		return b.Node(e.Expr)
	case *parser.UnaryExpr:
		return b.Node(e.Expr)
	case *parser.AggregateExpr:
		n := Node{Kind: Aggregate, op: e.Op, without: e.Without, Labels: b.in.Names(e.Grouping), LHS: b.Node(e.Expr)}
		if e.Op == parser.COUNT_VALUES {
			if s, ok := unparen(e.Param).(*parser.StringLiteral); ok {
				n.countLabel, n.name = true, b.in.Str(s.Val)
			}
		}
		return b.node(n)
	case *parser.BinaryExpr:
		n := Node{Kind: Binary, op: e.Op, lt: e.LHS.Type() == parser.ValueTypeScalar, rt: e.RHS.Type() == parser.ValueTypeScalar,
			LHS: b.Node(e.LHS), RHS: b.Node(e.RHS)}
		if vm := e.VectorMatching; vm != nil {
			n.Join = intern.Value(b.joins, Join{Card: vm.Card, On: vm.On, Matching: b.in.Names(vm.MatchingLabels), Include: b.in.Names(vm.Include)})
		}
		return b.node(n)
	case *parser.Call:
		return b.call(e)
	}
	return b.node(Node{Kind: Scalar})
}

func (b *Builder) call(e *parser.Call) *Node {
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
	name := b.in.Str(e.Func.Name)
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
				if m.Type == labels.MatchEqual && m.Name != model.MetricNameLabel && m.Value != "" {
					eq = append(eq, m.Name)
				}
			}
		}
		return b.node(Node{Kind: Absent, name: name, Labels: b.in.Names(eq)})
	case "label_replace":
		in := b.Node(e.Args[0])
		dst, ok1 := str(1)
		repl, ok2 := str(2)
		if ok1 && ok2 && repl != "" {
			return b.node(Node{Kind: Add, name: b.in.Str(dst), LHS: in})
		}
		return in
	case "label_join":
		in := b.Node(e.Args[0])
		if dst, ok := str(1); ok {
			return b.node(Node{Kind: Add, name: b.in.Str(dst), LHS: in})
		}
		return in
	case "histogram_quantile", "histogram_fraction":
		for _, a := range e.Args {
			if a.Type() == parser.ValueTypeVector {
				return b.node(Node{Kind: Histogram, name: name, LHS: b.Node(a)})
			}
		}
	case "info":
		return b.node(Node{Kind: Open})
	}
	for _, a := range e.Args {
		if t := a.Type(); t == parser.ValueTypeVector || t == parser.ValueTypeMatrix {
			return b.Node(a)
		}
	}
	return b.node(Node{Kind: NoLabels, name: name})
}

// metricName returns the name a selector selects by equality, or "".
func metricName(vs *parser.VectorSelector) string {
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return vs.Name
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
