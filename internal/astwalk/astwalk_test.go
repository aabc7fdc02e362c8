package astwalk

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
)

var exprs = []string{
	`up`,
	`1`,
	`"s"`,
	`-up`,
	`(up)`,
	`rate(x{a="b"}[5m])`,
	`sum by (a) (rate(x[5m])) / on (a) group_left (b) max by (a, b) (y)`,
	`topk by (a) (1, max by (a, b) (kube_pod_info{node!=""}))`,
	`quantile(0.9, x)`,
	`count_values("v", x)`,
	`max_over_time((x > 0)[30m:1m] offset 5m)`,
	`label_replace(x, "a", "$1", "b", "(.*)") * on (a) group_left () (y == 1) or absent(z)`,
	`histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m]))) > bool 2`,
	`x @ 100`,
	`vector(time()) - timestamp(x)`,
	`-(-(a + b) * (c - -d))`,
}

type call struct{ node, path string }

func name(n parser.Node) string {
	if n == nil {
		return "nil"
	}
	return fmt.Sprintf("%T %v", n, n.PositionRange())
}

// record walks e with walk, failing at the stop-th call (never when stop
// is 0), and returns the calls.
func record(walk func(parser.Node, func(parser.Node, []parser.Node) error), e parser.Node, stop int) []call {
	var calls []call
	walk(e, func(n parser.Node, path []parser.Node) error {
		var p []string
		for _, a := range path {
			p = append(p, name(a))
		}
		calls = append(calls, call{name(n), strings.Join(p, " > ")})
		if len(calls) == stop {
			return errors.New("stop")
		}
		return nil
	})
	return calls
}

func promInspect(n parser.Node, f func(parser.Node, []parser.Node) error) { parser.Inspect(n, f) }

// TestLikeParserInspect holds Inspect to parser.Inspect: the same calls with
// the same paths in the same order, and the same stop on an error, on
// expressions with every kind of node.
func TestLikeParserInspect(t *testing.T) {
	for _, s := range exprs {
		e, err := parser.NewParser(parser.Options{}).ParseExpr(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		for _, n := range []parser.Node{e, parser.Expressions{e, e}, &parser.EvalStmt{Expr: e}} {
			want := record(promInspect, n, 0)
			for stop := 0; stop <= len(want); stop++ {
				w, g := record(promInspect, n, stop), record(Inspect, n, stop)
				if !slices.Equal(w, g) {
					t.Errorf("%s, stop at %d:\nparser.Inspect %v\nInspect        %v", s, stop, w, g)
				}
			}
		}
	}
}
