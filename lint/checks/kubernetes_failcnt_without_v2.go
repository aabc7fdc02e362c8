package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/engine"
)

// KubernetesFailcntWithoutV2 reports failcnt read without the cgroup v2
// counter.
var KubernetesFailcntWithoutV2 = &engine.Check{
	ID:       "kubernetes/failcnt-without-v2",
	Title:    "failcnt without its cgroup v2 counterpart",
	Severity: engine.Warning,
	Doc:      doc("kubernetes/failcnt-without-v2"),
	Rule: func(c *engine.RuleContext) {
		var failcnt *parser.VectorSelector
		v2 := false
		selectors(c.Rule.Parsed, func(vs *parser.VectorSelector, _ []parser.Node) {
			switch metricName(vs) {
			case "container_memory_failcnt":
				if failcnt == nil {
					failcnt = vs
				}
			case "container_memory_events_max_total":
				v2 = true
			}
		})
		if failcnt != nil && !v2 {
			c.ReportSpan(exprSpan(c.File, c.Rule, failcnt), "add: or container_memory_events_max_total",
				"container_memory_failcnt stays 0 on cgroup v2: read container_memory_events_max_total too")
		}
	},
}
