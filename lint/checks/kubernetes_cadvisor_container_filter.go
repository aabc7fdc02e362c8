package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
)

// KubernetesCadvisorContainerFilter reports cAdvisor series aggregated
// without leaving out the pod-level cgroup.
var KubernetesCadvisorContainerFilter = &lint.Check{
	ID:       "kubernetes/cadvisor-container-filter",
	Title:    "cAdvisor series aggregated with the pod cgroup",
	Severity: lint.Warning,
	Doc: `cAdvisor exports every container's cgroup and also the pod's own cgroup, whose
series have ` + "`container=\"\"`" + ` and ` + "`image=\"\"`" + ` and already hold the sum of the
containers. Summing a cAdvisor metric per pod or namespace without
` + "`container!=\"\"`" + ` counts every pod twice. Select the containers:
` + "`container_memory_working_set_bytes{container!=\"\", image!=\"\"}`" + `.`,
	Rule: func(c *lint.RuleContext) {
		selectors(c.Rule.Parsed, func(vs *parser.VectorSelector, path []parser.Node) {
			if !isCadvisorMetric(metricName(vs)) || matcher(vs, "container") != nil || matcher(vs, "image") != nil {
				return
			}
			for _, n := range path {
				if agg, ok := n.(*parser.AggregateExpr); ok && agg.Op != parser.TOPK && agg.Op != parser.BOTTOMK {
					c.Report(exprPos(c.File, c.Rule, vs), `add container!="", image!=""`,
						"%s is aggregated without container!=\"\": the pod-level cgroup series count the pod twice", metricName(vs))
					return
				}
			}
		})
	},
}
