package checks

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/labelflow"
	"github.com/oomguard/oomguard/rules"
)

// exprSpan returns the text of a node of a rule's expression in the file.
func exprSpan(f *rules.File, r *rules.Rule, n parser.Node) engine.Span {
	pr := n.PositionRange()
	return offsetSpan(f, r, int(pr.Start), int(pr.End))
}

// offsetSpan returns the text of the bytes start to end of a rule's
// expression in the file; a span of unknown end when they are not in it.
func offsetSpan(f *rules.File, r *rules.Rule, start, end int) engine.Span {
	return spanAt(f.Positions(r.Expr), r.Expr.Value, start, end)
}

// spanAt returns the text of the bytes start to end of value, whose
// positions at gives; a span of unknown end when they are not in it.
func spanAt(at func(int) rules.Pos, value string, start, end int) engine.Span {
	if start < 0 || end < start || end > len(value) {
		return engine.At(at(start))
	}
	return engine.Span{Start: at(start), End: at(end)}
}

// selectors returns the vector selectors of an expression with the chain
// of nodes above each.
func selectors(e parser.Expr, fn func(vs *parser.VectorSelector, path []parser.Node)) {
	if e == nil {
		return
	}
	astwalk.Inspect(e, func(n parser.Node, path []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			fn(vs, path)
		}
		return nil
	})
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

func isCadvisorMetric(name string) bool {
	return strings.HasPrefix(name, "container_") && name != "container_last_seen"
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

// numberOf returns the value of a number literal, in parentheses or
// negated.
func numberOf(e parser.Expr) (float64, bool) {
	switch e := unparen(e).(type) {
	case *parser.NumberLiteral:
		return e.Val, true
	case *parser.UnaryExpr:
		if v, ok := numberOf(e.Expr); ok {
			if e.Op == parser.SUB {
				return -v, true
			}
			return v, true
		}
	}
	return 0, false
}

// rangeSelector returns the selector a range function reads when its
// argument is a range selector (x[5m]) or a subquery of a selector
// (x[5m:1m]), or nil.
func rangeSelector(e parser.Expr) *parser.VectorSelector {
	switch e := unparen(e).(type) {
	case *parser.MatrixSelector:
		vs, _ := e.VectorSelector.(*parser.VectorSelector)
		return vs
	case *parser.SubqueryExpr:
		vs, _ := unparen(e.Expr).(*parser.VectorSelector)
		return vs
	}
	return nil
}

// inspectCalls calls fn for every function call of an expression.
func inspectCalls(e parser.Expr, fn func(*parser.Call)) {
	if e == nil {
		return
	}
	astwalk.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if call, ok := n.(*parser.Call); ok {
			fn(call)
		}
		return nil
	})
}

// describeAggregation writes an aggregation's operator and grouping: sum by
// (namespace).
func describeAggregation(e *parser.AggregateExpr) string {
	return labelflow.Grouping(e.Op, e.Without, e.Grouping)
}

// matcherRE is a label matcher with a regexp operator, as written.
var matcherRE = regexp.MustCompile("([A-Za-z_][A-Za-z0-9_]*)\\s*(=~|!~)\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`)")

// matcherText returns where matcher m is written in the text of selector
// vs in expr: from its label name, and from its operator, to its end.
func matcherText(expr string, vs *parser.VectorSelector, m *labels.Matcher) (nameAt, start, end int, ok bool) {
	r := vs.PositionRange()
	if r.Start < 0 || int(r.End) > len(expr) || r.Start >= r.End {
		return 0, 0, 0, false
	}
	text := expr[r.Start:r.End]
	n := 0
	for _, loc := range matcherRE.FindAllStringSubmatchIndex(text, -1) {
		name, op, lit := text[loc[2]:loc[3]], text[loc[4]:loc[5]], text[loc[6]:loc[7]]
		if name != m.Name || (op == "=~") != (m.Type == labels.MatchRegexp) {
			continue
		}
		if v, err := unquotePromQL(lit); err != nil || v != m.Value {
			continue
		}
		nameAt, start, end = int(r.Start)+loc[2], int(r.Start)+loc[4], int(r.Start)+loc[7]
		n++
	}
	return nameAt, start, end, n == 1
}

// unquotePromQL reads a PromQL string literal.
func unquotePromQL(lit string) (string, error) {
	if strings.HasPrefix(lit, "'") {
		inner := lit[1 : len(lit)-1]
		inner = strings.ReplaceAll(strings.ReplaceAll(inner, `\'`, `'`), `"`, `\"`)
		lit = `"` + inner + `"`
	}
	return strconv.Unquote(lit)
}

// flipComparison returns the operator that compares the other way round:
// 0.9 < x is x > 0.9.
func flipComparison(op parser.ItemType) parser.ItemType {
	switch op {
	case parser.GTR:
		return parser.LSS
	case parser.GTE:
		return parser.LTE
	case parser.LSS:
		return parser.GTR
	case parser.LTE:
		return parser.GTE
	}
	return op
}
