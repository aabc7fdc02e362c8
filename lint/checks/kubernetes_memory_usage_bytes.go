package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/engine"
)

// KubernetesMemoryUsageBytes reports container_memory_usage_bytes in
// alerts.
var KubernetesMemoryUsageBytes = &engine.Check{
	ID:       "kubernetes/memory-usage-bytes",
	Title:    "container_memory_usage_bytes in an alert",
	Severity: engine.Warning,
	Doc:      doc("kubernetes/memory-usage-bytes"),
	Rule: func(c *engine.RuleContext) {
		if !c.Rule.IsAlert() {
			return
		}
		selectors(c.Rule.Parsed, func(vs *parser.VectorSelector, _ []parser.Node) {
			if metricName(vs) == "container_memory_usage_bytes" {
				c.ReportSpan(exprSpan(c.File, c.Rule, vs), "use container_memory_working_set_bytes",
					"container_memory_usage_bytes counts page cache the kernel can reclaim: the alert fires for containers in no danger")
			}
		})
	},
}
