package checks

import (
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

// AlertsKeepFiringFor reports keep_firing_for that does not do what it
// says.
var AlertsKeepFiringFor = &lint.Check{
	ID:       "alerts/keep-firing-for",
	Title:    "keep_firing_for shorter than the evaluation interval, or that never applies",
	Severity: lint.Warning,
	Doc: `` + "`keep_firing_for`" + ` keeps a firing alert firing after its expression stops
returning it. Prometheus decides this only when it evaluates the rule: at the
first evaluation that no longer returns the alert it notes the time and keeps
the alert firing, and at each later evaluation it keeps it firing while less
than ` + "`keep_firing_for`" + ` has passed since then. So any ` + "`keep_firing_for`" + ` up to one
evaluation interval holds the alert for exactly one evaluation, a whole
interval, and a longer one is rounded up to whole intervals. In a group
evaluated every 1m, ` + "`keep_firing_for: 30s`" + ` holds the alert 1m, as ` + "`1m`" + ` does, and
` + "`90s`" + ` holds it 2m:

` + "```yaml" + `
- name: pods
  interval: 1m
  rules:
    - alert: PodOOMKilled
      expr: increase(kube_pod_container_status_restarts_total[5m]) > 0
      keep_firing_for: 30s   # held 1m: write 1m
` + "```" + `

The check reports a ` + "`keep_firing_for`" + ` shorter than the group's evaluation interval,
whose written value says less than Prometheus does. A group without
` + "`interval`" + ` runs at the global evaluation interval: set yours in ` + "`.oomguard.yaml`" + `,
else the check takes Prometheus's default, 1m, for rule files, and the
Prometheus Operator's default, 30s, for PrometheusRule manifests:

` + "```yaml" + `
lint:
  evaluationInterval: 15s
` + "```" + `

It also reports ` + "`keep_firing_for`" + ` on an alert whose expression selects no series
and reads no clock (` + "`vector(1)`" + `, a watchdog): its result is the same at every
evaluation, so the alert never stops firing, or never fires, and
` + "`keep_firing_for`" + ` never applies.

` + "`keep_firing_for`" + ` holds only firing alerts: a pending alert (one still waiting
out its ` + "`for`" + `) whose expression stops returning it is dropped, and its ` + "`for`" + `
starts over. A long ` + "`keep_firing_for`" + ` is not reported: nothing in Prometheus makes
one wrong. ` + "`keep_firing_for`" + ` in a recording rule is an error the loader reports.`,
	Rule: func(c *lint.RuleContext) {
		r := c.Rule
		if !r.IsAlert() || r.KeepFiringFor.D <= 0 {
			return
		}
		kff := time.Duration(r.KeepFiringFor.D)
		if r.Parsed != nil && constantExpr(r.Parsed) {
			c.Report(r.KeepFiringFor.Pos, "remove keep_firing_for",
				"keep_firing_for never applies to alert %q: its expression selects no series and reads no clock, so its result is the same at every evaluation", r.Alert.Value)
			return
		}
		iv, assumed := evalInterval(c.File, c.Group, c.Config)
		if kff >= iv {
			return
		}
		hint := "write keep_firing_for: " + model.Duration(iv).String() + ", what it does"
		if assumed != "" {
			c.Report(r.KeepFiringFor.Pos, hint+", or set the group's interval",
				"keep_firing_for: %s is shorter than the evaluation interval (%s, %s; the group sets none): the alert is held one evaluation, %s, not %s",
				r.KeepFiringFor.Value, model.Duration(iv), assumed, model.Duration(iv), r.KeepFiringFor.Value)
			return
		}
		c.Report(r.KeepFiringFor.Pos, hint,
			"keep_firing_for: %s is shorter than the group's interval %s: the alert is held one evaluation, %s, not %s",
			r.KeepFiringFor.Value, c.Group.Interval.Value, model.Duration(iv), r.KeepFiringFor.Value)
	},
}

// evalInterval returns the interval a group is evaluated at: its own, the
// configured global one, or the default of what loads it, with where that
// comes from ("Prometheus's default").
func evalInterval(f *rules.File, g *rules.Group, cfg *lint.Config) (time.Duration, string) {
	if g.Interval.D > 0 {
		return time.Duration(g.Interval.D), ""
	}
	if cfg != nil && cfg.EvaluationInterval > 0 {
		return cfg.EvaluationInterval, "the configured evaluationInterval"
	}
	for _, d := range f.Docs {
		for _, dg := range d.Groups {
			if dg == g && d.Kind == rules.KindPrometheusRule {
				// The Prometheus resource's evaluationInterval defaults to 30s.
				return 30 * time.Second, "the Prometheus Operator's default"
			}
		}
	}
	// Prometheus's global evaluation_interval defaults to 1m.
	return time.Minute, "Prometheus's default"
}

// constantExpr reports whether an expression returns the same at every
// evaluation: it selects no series and calls no function of the time.
func constantExpr(e parser.Expr) bool {
	constant := true
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector, *parser.MatrixSelector:
			constant = false
		case *parser.Call:
			switch n.Func.Name {
			case "time", "timestamp", "minute", "hour", "day_of_week", "day_of_month", "day_of_year", "days_in_month", "month", "year":
				constant = false
			}
		}
		return nil
	})
	return constant
}
