package ruletest

import (
	"slices"
	"sync"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// cachingParser is the engine's parser for a run: a test evaluates the same
// few rule expressions at every step of every group, and the engine takes
// them as strings, so each would be parsed thousands of times. It parses
// each string once and hands the engine a fresh copy of the tree each time,
// because the engine writes into the tree it evaluates (selected series,
// resolved @ and offsets).
type cachingParser struct {
	parser.Parser
	cache sync.Map // string -> parser.Expr, never handed out
}

func newCachingParser(p parser.Parser) *cachingParser { return &cachingParser{Parser: p} }

func (c *cachingParser) ParseExpr(input string) (parser.Expr, error) {
	if e, ok := c.cache.Load(input); ok {
		if cp, ok := cloneExpr(e.(parser.Expr)); ok {
			return cp, nil
		}
	}
	e, err := c.Parser.ParseExpr(input)
	if err != nil {
		return e, err
	}
	// Keep a copy of our own: the caller may evaluate e.
	if cp, ok := cloneExpr(e); ok {
		c.cache.Store(input, cp)
	}
	return e, nil
}

// cloneExpr copies an expression tree, every node and every slice the
// engine may write into anew; false for a node type it does not know, and
// then the caller parses instead.
func cloneExpr(e parser.Expr) (parser.Expr, bool) {
	if e == nil {
		return nil, true
	}
	switch n := e.(type) {
	case *parser.AggregateExpr:
		c := *n
		// The engine sorts the grouping labels in place.
		c.Grouping = slices.Clone(n.Grouping)
		var ok1, ok2 bool
		c.Expr, ok1 = cloneExpr(n.Expr)
		c.Param, ok2 = cloneExpr(n.Param)
		return &c, ok1 && ok2
	case *parser.BinaryExpr:
		c := *n
		var ok1, ok2 bool
		c.LHS, ok1 = cloneExpr(n.LHS)
		c.RHS, ok2 = cloneExpr(n.RHS)
		if n.VectorMatching != nil {
			vm := *n.VectorMatching
			vm.MatchingLabels = slices.Clone(vm.MatchingLabels)
			vm.Include = slices.Clone(vm.Include)
			c.VectorMatching = &vm
		}
		return &c, ok1 && ok2
	case *parser.Call:
		c := *n
		c.Args = make(parser.Expressions, len(n.Args))
		for i, a := range n.Args {
			var ok bool
			if c.Args[i], ok = cloneExpr(a); !ok {
				return nil, false
			}
		}
		return &c, true
	case *parser.MatrixSelector:
		c := *n
		var ok1, ok2 bool
		c.VectorSelector, ok1 = cloneExpr(n.VectorSelector)
		c.RangeExpr, ok2 = cloneDuration(n.RangeExpr)
		return &c, ok1 && ok2
	case *parser.SubqueryExpr:
		c := *n
		var ok1, ok2, ok3, ok4 bool
		c.Expr, ok1 = cloneExpr(n.Expr)
		c.RangeExpr, ok2 = cloneDuration(n.RangeExpr)
		c.OriginalOffsetExpr, ok3 = cloneDuration(n.OriginalOffsetExpr)
		c.StepExpr, ok4 = cloneDuration(n.StepExpr)
		c.Timestamp = cloneInt(n.Timestamp)
		return &c, ok1 && ok2 && ok3 && ok4
	case *parser.NumberLiteral:
		c := *n
		return &c, true
	case *parser.StringLiteral:
		c := *n
		return &c, true
	case *parser.ParenExpr:
		c := *n
		var ok bool
		c.Expr, ok = cloneExpr(n.Expr)
		return &c, ok
	case *parser.UnaryExpr:
		c := *n
		var ok bool
		c.Expr, ok = cloneExpr(n.Expr)
		return &c, ok
	case *parser.StepInvariantExpr:
		c := *n
		var ok bool
		c.Expr, ok = cloneExpr(n.Expr)
		return &c, ok
	case *parser.VectorSelector:
		if n.Series != nil || n.UnexpandedSeriesSet != nil {
			return nil, false // evaluated already: not a parser's tree
		}
		c := *n
		c.LabelMatchers = append([]*labels.Matcher(nil), n.LabelMatchers...)
		c.Timestamp = cloneInt(n.Timestamp)
		var ok bool
		c.OriginalOffsetExpr, ok = cloneDuration(n.OriginalOffsetExpr)
		return &c, ok
	case *parser.DurationExpr:
		d, ok := cloneDuration(n)
		return d, ok
	}
	return nil, false
}

func cloneDuration(d *parser.DurationExpr) (*parser.DurationExpr, bool) {
	if d == nil {
		return nil, true
	}
	c := *d
	var ok1, ok2 bool
	c.LHS, ok1 = cloneExpr(d.LHS)
	c.RHS, ok2 = cloneExpr(d.RHS)
	return &c, ok1 && ok2
}

func cloneInt(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
