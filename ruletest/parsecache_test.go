package ruletest

import (
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
)

// TestCloneExpr: a copy prints as the original and shares no node with it,
// so the engine writing into one cannot touch the other.
func TestCloneExpr(t *testing.T) {
	p := parser.NewParser(parser.Options{EnableExperimentalFunctions: true})
	for _, q := range []string{
		`sum by (namespace) (rate(container_cpu_usage_seconds_total{container!="", image!=""}[5m] offset 1m))`,
		`sum by (pod, namespace) (x)`,
		`a / on (namespace, pod) group_left (node) b > bool 0.9`,
		`max_over_time((usage * 2)[1d:1m] @ end())`,
		`histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))`,
		`-(up unless on () absent(foo)) or vector(1)`,
		`topk(3, count_values("v", up @ 100))`,
		`label_replace(up, "a", "$1", "b", "(.*)")`,
		`"a string"`,
		`rate(x[5m + 1m])`,
		`x offset -5m`,
	} {
		e, err := p.ParseExpr(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		c, ok := cloneExpr(e)
		if !ok {
			t.Fatalf("%s: not copied", q)
		}
		if c.String() != e.String() {
			t.Errorf("copy of %s prints %s", e, c)
		}
		// Sorting a copy's grouping, as the engine does, leaves the
		// original alone.
		if a, ok := e.(*parser.AggregateExpr); ok && len(a.Grouping) > 1 {
			ca := c.(*parser.AggregateExpr)
			ca.Grouping[0], ca.Grouping[1] = ca.Grouping[1], ca.Grouping[0]
			if a.Grouping[0] == ca.Grouping[0] {
				t.Errorf("%s: the grouping labels are shared", q)
			}
			ca.Grouping[0], ca.Grouping[1] = ca.Grouping[1], ca.Grouping[0]
		}
		seen := map[parser.Node]bool{}
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error { seen[n] = true; return nil })
		parser.Inspect(c, func(n parser.Node, _ []parser.Node) error {
			if n != nil && seen[n] {
				t.Errorf("%s: node %s is shared", q, n)
			}
			return nil
		})
	}
}

// TestCachingParser hands out a new tree for every call.
func TestCachingParser(t *testing.T) {
	cp := newCachingParser(parser.NewParser(parser.Options{}))
	a, err := cp.ParseExpr(`sum(up)`)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := cp.ParseExpr(`sum(up)`)
	if a == b || a.(*parser.AggregateExpr).Expr == b.(*parser.AggregateExpr).Expr {
		t.Error("two calls share a tree")
	}
	if _, err := cp.ParseExpr(`sum(`); err == nil {
		t.Error("a bad expression parses")
	}
}
