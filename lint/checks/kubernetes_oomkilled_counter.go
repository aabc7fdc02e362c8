package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/engine"
)

// KubernetesOOMKilledCounter reports the last-terminated-reason gauge
// used as a counter.
var KubernetesOOMKilledCounter = &engine.Check{
	ID:       "kubernetes/oomkilled-counter",
	Title:    "The OOMKilled reason gauge used as a counter",
	Severity: engine.Error,
	Doc:      doc("kubernetes/oomkilled-counter"),
	Rule: func(c *engine.RuleContext) {
		inspectCalls(c.Rule.Parsed, func(call *parser.Call) {
			switch call.Func.Name {
			case "rate", "irate", "increase", "delta", "idelta", "changes", "resets":
			default:
				return
			}
			selectors(call, func(vs *parser.VectorSelector, path []parser.Node) {
				if metricName(vs) == "kube_pod_container_status_last_terminated_reason" && !onlyFilters(vs, path) {
					c.ReportSpan(exprSpan(c.File, c.Rule, call), "join with increase(kube_pod_container_status_restarts_total[...]) on (namespace, pod, container)",
						"%s() of kube_pod_container_status_last_terminated_reason: it is a 0/1 gauge, not a counter of kills", call.Func.Name)
				}
			})
		})
	},
}

// onlyFilters reports whether the selector vs, below the nodes of path, is
// on the right of an and or an unless: only the presence of its series
// counts there, never its value. In
// increase((restarts and on (...) reason == 1)[1h:1m]) the increase is of
// the restarts, filtered by the reason.
func onlyFilters(vs parser.Node, path []parser.Node) bool {
	nodes := append(append([]parser.Node{}, path...), vs)
	for i, n := range path {
		if b, ok := n.(*parser.BinaryExpr); ok && (b.Op == parser.LAND || b.Op == parser.LUNLESS) && nodes[i+1] == b.RHS {
			return true
		}
	}
	return false
}
