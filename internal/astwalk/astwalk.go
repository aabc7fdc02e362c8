// Package astwalk walks a PromQL syntax tree as parser.Inspect does, without
// its allocations: the checks walk every expression many times, and
// parser.Inspect's iterators and paths were a tenth of lint's time.
package astwalk

import (
	"fmt"
	"sync"

	"github.com/prometheus/prometheus/promql/parser"
)

// Inspect is parser.Inspect: it calls f(node, path) for node and, when f
// returns nil, for its children in order, depth first, then f(nil, nil)
// once the children are done. An error from f ends the walk. path holds
// the node's ancestors, outermost first; it is overwritten after f
// returns: copy it to keep it.
func Inspect(node parser.Node, f func(parser.Node, []parser.Node) error) {
	w := walkers.Get().(*walker)
	w.f = f
	_ = w.walk(node)
	w.f, w.path = nil, w.path[:0]
	walkers.Put(w)
}

// walkers keeps walkers and their paths for the next walk.
var walkers = sync.Pool{New: func() any { return &walker{path: make([]parser.Node, 0, 16)} }}

type walker struct {
	f    func(parser.Node, []parser.Node) error
	path []parser.Node
}

func (w *walker) walk(node parser.Node) error {
	if err := w.f(node, w.path); err != nil {
		return err
	}
	w.path = append(w.path, node)
	err := w.children(node)
	w.path = w.path[:len(w.path)-1]
	if err != nil {
		return err
	}
	return w.f(nil, nil)
}

// children walks the children of node in parser.ChildrenIter's order.
func (w *walker) children(node parser.Node) error {
	switch n := node.(type) {
	case *parser.EvalStmt:
		return w.walk(n.Expr)
	case parser.Expressions:
		for _, e := range n {
			if err := w.walk(e); err != nil {
				return err
			}
		}
	case *parser.AggregateExpr:
		if n.Expr != nil {
			if err := w.walk(n.Expr); err != nil {
				return err
			}
		}
		if n.Param != nil {
			return w.walk(n.Param)
		}
	case *parser.BinaryExpr:
		if err := w.walk(n.LHS); err != nil {
			return err
		}
		return w.walk(n.RHS)
	case *parser.Call:
		for _, e := range n.Args {
			if err := w.walk(e); err != nil {
				return err
			}
		}
	case *parser.SubqueryExpr:
		return w.walk(n.Expr)
	case *parser.ParenExpr:
		return w.walk(n.Expr)
	case *parser.UnaryExpr:
		return w.walk(n.Expr)
	case *parser.MatrixSelector:
		return w.walk(n.VectorSelector)
	case *parser.StepInvariantExpr:
		return w.walk(n.Expr)
	case *parser.NumberLiteral, *parser.StringLiteral, *parser.VectorSelector:
	default:
		panic(fmt.Errorf("astwalk: unhandled node type %T", node))
	}
	return nil
}
