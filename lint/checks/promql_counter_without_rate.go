package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/lint/catalog"
)

// PromqlCounterWithoutRate reports counters compared or aggregated by
// their raw value.
var PromqlCounterWithoutRate = &lint.Check{
	ID:       "promql/counter-without-rate",
	Title:    "A counter compared or aggregated without rate() or increase()",
	Severity: lint.Warning,
	Doc: `A counter's raw value is a total since its process started, and drops to 0
when the process (the exporter, the kubelet, the container) restarts. Compared
with a threshold or aggregated as it is, it says nothing about now:
` + "`container_oom_events_total > 0`" + ` stays true for ever after one event, and
` + "`sum(container_cpu_usage_seconds_total)`" + ` falls whenever one container restarts.
Take ` + "`rate()`" + ` or ` + "`increase()`" + ` over a window first:
` + "`increase(container_oom_events_total[10m]) > 0`" + `.

The metric catalog (docs/metrics.md) says which metrics are counters. A
counter is fine anywhere under ` + "`rate`" + `, ` + "`irate`" + `, ` + "`increase`" + `, ` + "`resets`" + `,
` + "`changes`" + `, ` + "`absent`" + `, ` + "`absent_over_time`" + `, ` + "`present_over_time`" + `,
` + "`count_over_time`" + ` or ` + "`timestamp`" + `, under ` + "`count`" + ` or ` + "`group`" + ` (which read no
values), and on the right of ` + "`and`" + ` or ` + "`unless`" + ` (only its presence counts).
Recording it as it is, without comparing or aggregating it, is fine too.`,
	Rule: func(c *lint.RuleContext) {
		cat := metricCatalog(c.Config)
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
		case "rate", "irate", "increase", "resets", "changes", "absent", "absent_over_time", "present_over_time", "count_over_time", "timestamp":
			return true
		}
	case *parser.AggregateExpr:
		return n.Op == parser.COUNT || n.Op == parser.GROUP
	case *parser.BinaryExpr:
		return (n.Op == parser.LAND || n.Op == parser.LUNLESS) && child == n.RHS
	}
	return false
}
