package checks

import (
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
)

// AlertsShortFor reports alerts that fire on a single evaluation.
var AlertsShortFor = &lint.Check{
	ID:       "alerts/short-for",
	Title:    "An alert without for, or with a for shorter than the minimum",
	Severity: lint.Info,
	Doc: `Without ` + "`for`" + `, an alert fires at the first evaluation its expression returns
a series: one spike of a gauge, one slow scrape, one restart is enough. A
` + "`for`" + ` of a few minutes makes it wait until the condition has held that long.
The minimum is 1m; set it in ` + "`.oomguard.yaml`" + ` (` + "`0s`" + ` turns the check off):

` + "```yaml" + `
lint:
  minFor: 5m
` + "```" + `

An alert whose expression already looks back over a window at least that
long (` + "`increase(kube_pod_container_status_restarts_total[10m]) > 0`" + `) is not
reported: the window smooths the blips, and for an event a ` + "`for`" + ` only delays
the alert. Neither are alerts without a selector (` + "`vector(1)`" + `), ` + "`absent()`" + `
alerts, which ` + "`alerts/absent-without-for`" + ` covers, age checks on ` + "`time()`" + `
(` + "`time() - kube_job_status_start_time > 43200`" + ` stays true once true), and alerts
on ` + "`ALERTS`" + `, whose alerts already waited. Windows inside recording rules are
not seen.`,
	Rule: func(c *lint.RuleContext) {
		least := time.Minute
		if c.Config != nil {
			least = c.Config.MinFor
		}
		r := c.Rule
		if !r.IsAlert() || r.Parsed == nil || least <= 0 || time.Duration(r.For.D) >= least {
			return
		}
		selects, exempt, window := false, false, time.Duration(0)
		parser.Inspect(r.Parsed, func(n parser.Node, _ []parser.Node) error {
			switch n := n.(type) {
			case *parser.VectorSelector:
				selects = true
				if metricName(n) == "ALERTS" {
					exempt = true
				}
			case *parser.Call:
				switch n.Func.Name {
				case "absent", "absent_over_time", "time":
					exempt = true
				}
			case *parser.MatrixSelector:
				window = max(window, n.Range)
			case *parser.SubqueryExpr:
				window = max(window, n.Range)
			}
			return nil
		})
		if !selects || exempt || window >= least {
			return
		}
		hint := "add for: " + model.Duration(least).String() + " or longer"
		if !r.For.Present {
			c.Report(r.Alert.Pos, hint, "alert %q has no for: it fires at the first evaluation that matches, on a single spike or scrape glitch", r.Alert.Value)
			return
		}
		c.Report(r.For.Pos, hint, "alert %q waits only for: %s, less than %s: it fires on a single spike or scrape glitch", r.Alert.Value, r.For.Value, model.Duration(least))
	},
}
