package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/catalog"
	"github.com/oomguard/oomguard/lint/engine"
)

// PromqlRateOnGauge reports counter functions over gauges.
var PromqlRateOnGauge = &engine.Check{
	ID:       "promql/rate-on-gauge",
	Title:    "rate(), irate(), increase() or resets() of a gauge",
	Severity: engine.Error,
	Doc:      doc("promql/rate-on-gauge"),
	Rule: func(c *engine.RuleContext) {
		cat := c.Config.Metrics
		inspectCalls(c.Rule.Parsed, func(call *parser.Call) {
			fix, ok := gaugeFunctions[call.Func.Name]
			if !ok || len(call.Args) == 0 {
				return
			}
			vs := rangeSelector(call.Args[0])
			if vs == nil {
				return
			}
			name := metricName(vs)
			// kubernetes/oomkilled-counter says more about this one.
			if name == "kube_pod_container_status_last_terminated_reason" || cat.Type(name) != catalog.Gauge {
				return
			}
			hint := ""
			if fix != "" {
				hint = "use " + fix + "()"
			}
			c.ReportSpan(exprSpan(c.File, c.Rule, call), hint,
				"%s() of %s, a gauge: it takes every decrease for a counter reset; use %s", call.Func.Name, name, gaugeAdvice[call.Func.Name])
		})
	},
}

// gaugeFunctions maps each counter function to its gauge counterpart.
var gaugeFunctions = map[string]string{"rate": "deriv", "irate": "deriv", "increase": "delta", "resets": ""}

var gaugeAdvice = map[string]string{
	"rate":     "deriv() for its change per second",
	"irate":    "deriv() for its change per second",
	"increase": "delta() for its change over the window",
	"resets":   "changes() to count its changes",
}
