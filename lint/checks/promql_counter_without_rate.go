package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/catalog"
	"github.com/oomguard/oomguard/lint/engine"
)

// PromqlCounterWithoutRate reports counters compared or aggregated by
// their raw value.
var PromqlCounterWithoutRate = &engine.Check{
	ID:       "promql/counter-without-rate",
	Title:    "A counter compared or aggregated without rate() or increase()",
	Severity: engine.Warning,
	Doc:      doc("promql/counter-without-rate"),
	Rule: func(c *engine.RuleContext) {
		cat := c.Config.Metrics
		selectors(c.Rule.Parsed, func(vs *parser.VectorSelector, path []parser.Node) {
			name := metricName(vs)
			if cat.Type(name) != catalog.Counter {
				return
			}
			nodes := append(append([]parser.Node{}, path...), vs)
			for i, n := range path {
				if countersAllowed(n, nodes[i+1]) {
					return
				}
			}
			for i := len(path) - 1; i >= 0; i-- {
				how := ""
				switch n := path[i].(type) {
				case *parser.AggregateExpr:
					if n.Op != parser.TOPK && n.Op != parser.BOTTOMK && n.Op != parser.LIMITK && n.Op != parser.LIMIT_RATIO {
						how = "aggregated with " + n.Op.String() + "()"
					}
				case *parser.BinaryExpr:
					if n.Op.IsComparisonOperator() {
						how = "compared with " + n.Op.String()
					}
				}
				if how != "" {
					c.ReportSpan(exprSpan(c.File, c.Rule, vs), "take rate() or increase() of it over a window first",
						"%s is a counter %s as it is, without rate() or increase(): its raw value is a total since its process started, and drops to 0 when it restarts", name, how)
					return
				}
			}
		})
	},
}

// countersAllowed reports whether node n, above child on the path to a
// counter, reads the counter correctly or ignores its value.
func countersAllowed(n, child parser.Node) bool {
	switch n := n.(type) {
	case *parser.Call:
		switch n.Func.Name {
		case "rate", "irate", "increase", "resets", "changes", "absent", "absent_over_time", "present_over_time", "count_over_time", "timestamp",
			// The change over a window: right but at the counter's resets,
			// which rate() would handle. Exporters that give a counter as
			// a gauge (node_exporter's /proc/vmstat) make it the only way.
			"deriv", "delta", "idelta":
			return true
		}
	case *parser.AggregateExpr:
		return n.Op == parser.COUNT || n.Op == parser.GROUP
	case *parser.BinaryExpr:
		return (n.Op == parser.LAND || n.Op == parser.LUNLESS) && child == n.RHS || offsetDifference(n)
	}
	return false
}

// offsetDifference reports whether a binary operation is a counter less
// itself at another time, x - x offset 10m: its change over the window,
// written out.
func offsetDifference(b *parser.BinaryExpr) bool {
	if b.Op != parser.SUB {
		return false
	}
	l, ok1 := unparen(b.LHS).(*parser.VectorSelector)
	r, ok2 := unparen(b.RHS).(*parser.VectorSelector)
	if !ok1 || !ok2 || l.OriginalOffset == r.OriginalOffset {
		return false
	}
	a, c := *l, *r
	a.OriginalOffset, c.OriginalOffset = 0, 0
	return a.String() == c.String()
}
