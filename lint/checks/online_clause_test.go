package checks

import (
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
)

// TestClauseLabel: the label found in its node's own clause, before or
// after the operand, never in an operand's.
func TestClauseLabel(t *testing.T) {
	for _, tc := range []struct {
		expr  string
		outer bool // the outermost node, else the first inner one of its kind
		label string
		want  string // the text before the label
	}{
		{`sum by (pod) (x)`, true, "pod", `sum by (`},
		{`sum(x) by (pod)`, true, "pod", `sum(x) by (`},
		{`sum(sum by (node) (x)) by (node)`, true, "node", `sum(sum by (node) (x)) by (`},
		{`sum(sum by (node) (x)) by (node)`, false, "node", `sum(sum by (`},
		{`a * on (ns, pod) group_left (node) b`, true, "node", `a * on (ns, pod) group_left (`},
		{`a * on (ns, pod) group_left (node) b`, true, "pod", `a * on (ns, `},
		{`(a * on (x) b) * on (pod) c`, true, "pod", `(a * on (x) b) * on (`},
	} {
		e, err := parser.NewParser(parser.Options{}).ParseExpr(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		var n parser.Node = e
		if !tc.outer {
			parser.Inspect(e, func(m parser.Node, path []parser.Node) error {
				if _, ok := m.(*parser.AggregateExpr); ok && len(path) > 0 && n == e {
					n = m
				}
				return nil
			})
		}
		start, end, ok := clauseLabel(tc.expr, n, tc.label)
		if !ok || tc.expr[:start] != tc.want || tc.expr[start:end] != tc.label {
			t.Errorf("%s %s: %d %d %v", tc.expr, tc.label, start, end, ok)
		}
	}
}
