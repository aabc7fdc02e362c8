package checks

import (
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
)

// AlertsNoCondition reports alerts whose expression filters nothing.
var AlertsNoCondition = &engine.Check{
	ID:       "alerts/no-condition",
	Title:    "An alert with no condition",
	Severity: engine.Warning,
	Doc:      doc("alerts/no-condition"),
	Rule: func(c *engine.RuleContext) {
		if !c.Rule.IsAlert() || c.Rule.Parsed == nil {
			return
		}
		filters, selects := false, false
		astwalk.Inspect(c.Rule.Parsed, func(n parser.Node, _ []parser.Node) error {
			switch e := n.(type) {
			case *parser.BinaryExpr:
				if e.Op.IsComparisonOperator() && !e.ReturnBool || e.Op == parser.LAND || e.Op == parser.LUNLESS {
					filters = true
				}
			case *parser.Call:
				switch e.Func.Name {
				case "absent", "absent_over_time":
					filters = true
				}
			case *parser.AggregateExpr:
				if e.Op == parser.TOPK || e.Op == parser.BOTTOMK || e.Op == parser.LIMITK || e.Op == parser.LIMIT_RATIO {
					filters = true
				}
			case *parser.VectorSelector:
				selects = true
				for _, m := range e.LabelMatchers {
					if !identityLabels[m.Name] {
						// A matcher on what the series says, not on whose
						// it is: the series exists only in that state.
						filters = true
					}
				}
			}
			return nil
		})
		// An expression that selects nothing is a watchdog, always firing
		// on purpose.
		if filters || !selects {
			return
		}
		v := c.Rule.Expr.Value
		c.ReportSpan(offsetSpan(c.File, c.Rule, 0, len(strings.TrimRight(v, " \t\r\n"))), "add the condition, such as > 0.9",
			"alert %q has no condition: it fires for every series its expression returns", c.Rule.Alert.Value)
	},
}

// identityLabels are labels that say whose a series is (the target, the
// workload, the metric's name), not what state it is in: a matcher on them
// picks series, it does not test them.
var identityLabels = map[string]bool{
	"__name__": true, "job": true, "instance": true, "cluster": true, "namespace": true, "pod": true, "container": true,
	"node": true, "service": true, "endpoint": true, "metrics_path": true, "prometheus": true, "env": true, "environment": true,
}
