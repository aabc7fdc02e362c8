package labelflow

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/intern"
)

// TestSets follows labels through aggregations, joins, label_replace and
// recorded series.
func TestSets(t *testing.T) {
	b := NewBuilder(intern.New())
	node := func(expr string) *Node {
		e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Forget()
		return b.Node(e)
	}
	recorded := map[string][]Recording{
		"ns:x:sum":  {{Parsed: true, Flow: node("sum by (namespace) (x)")}},
		"job:y:sum": {{Parsed: true, Flow: node("sum by (job) (y)"), RuleLabels: []string{"team"}}},
	}
	sets := NewSets(func(name string) []Recording { return recorded[name] })
	for _, tc := range []struct {
		expr, label string
		can         bool
		why         string
	}{
		{"x", "pod", true, ""},
		{"sum by (namespace) (x)", "pod", false, "sum by (namespace), which keeps only namespace"},
		{"sum without (pod) (x)", "pod", false, "sum without (pod), which removes it"},
		{"sum without (pod) (x)", "node", true, ""},
		{"a / on (namespace) b", "pod", false, "/ on (namespace), which keeps only namespace"},
		{"a * on (pod) group_left (node) b", "node", true, ""},
		{"a * on (pod) group_left (node) sum by (pod) (b)", "node", false, "group_left (node) copies it from a side without it"},
		{`label_replace(sum(x), "pod", "$1", "a", "(.*)")`, "pod", true, ""},
		{"histogram_quantile(0.9, rate(x_bucket[5m]))", "le", false, "histogram_quantile(), which removes it"},
		{"ns:x:sum", "namespace", true, ""},
		{"ns:x:sum", "pod", false, "ns:x:sum, recorded from sum by (namespace), which keeps only namespace"},
		{"job:y:sum", "team", true, ""},
		{"absent(up{job=\"a\"})", "instance", false, "absent(), which keeps only the labels of its = matchers"},
		{"vector(1)", "pod", false, "vector(), which has no labels"},
	} {
		s := sets.Of(node(tc.expr))
		if s.CanHave(tc.label) != tc.can || !tc.can && !strings.Contains(s.Why(tc.label), tc.why) {
			t.Errorf("%s: %s: can %v (%s), want %v (%s)", tc.expr, tc.label, s.CanHave(tc.label), s.Why(tc.label), tc.can, tc.why)
		}
	}
}

// TestAlternatives finds the operands of or an alert may return one at a
// time, each with its own labels.
func TestAlternatives(t *testing.T) {
	b := NewBuilder(intern.New())
	sets := NewSets(func(string) []Recording { return nil })
	for _, tc := range []struct {
		expr string
		// cannot holds, for each alternative, whether it cannot carry
		// instance.
		cannot []bool
	}{
		{"x", []bool{false}},
		{"sum(x)", []bool{true}},
		{"x == 0 or absent(x)", []bool{false, true}},
		{"(x > 1 or sum by (job) (y)) > 0 or vector(0)", []bool{false, true, true}},
		{"x and on (job) absent(y)", []bool{false}},
		{"(x or y) / on (instance) z", []bool{false}},
		{"sum by (instance) (x or absent(x))", []bool{false}},
		{"increase((max without (instance) (x) or 0 * absent(x))[15m:1m]) >= 4", []bool{true}},
	} {
		e, err := parser.NewParser(parser.Options{}).ParseExpr(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		var got []bool
		for _, alt := range Alternatives(e) {
			got = append(got, !sets.Of(b.Node(alt)).CanHave("instance"))
		}
		b.Forget()
		if fmt.Sprint(got) != fmt.Sprint(tc.cannot) {
			t.Errorf("%s: alternatives without instance %v, want %v", tc.expr, got, tc.cannot)
		}
	}
}
