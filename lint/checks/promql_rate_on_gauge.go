package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/lint/catalog"
)

// PromqlRateOnGauge reports counter functions over gauges.
var PromqlRateOnGauge = &lint.Check{
	ID:       "promql/rate-on-gauge",
	Title:    "rate(), irate(), increase() or resets() of a gauge",
	Severity: lint.Error,
	Doc: `` + "`rate()`" + `, ` + "`irate()`" + `, ` + "`increase()`" + ` and ` + "`resets()`" + ` are for counters: they
read every decrease as a counter reset and add the whole new value. Over a
gauge such as ` + "`container_memory_working_set_bytes`" + ` they return large made-up
increases whenever the gauge goes down. The metric catalog (docs/metrics.md)
says which metrics are gauges. Use ` + "`deriv()`" + ` for a gauge's rate of change per
second and ` + "`delta()`" + ` for its change over the window:
` + "`deriv(container_memory_working_set_bytes{container!=\"\"}[10m])`" + `.`,
	Rule: func(c *lint.RuleContext) {
		cat := metricCatalog(c.Config)
		parserInspectCalls(c.Rule.Parsed, func(call *parser.Call) {
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
