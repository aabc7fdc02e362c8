package checks

import (
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// AlertsKeepFiringFor reports keep_firing_for that does not do what it
// says.
var AlertsKeepFiringFor = &engine.Check{
	ID:       "alerts/keep-firing-for",
	Title:    "keep_firing_for shorter than the evaluation interval, or that never applies",
	Severity: engine.Warning,
	Doc:      doc("alerts/keep-firing-for"),
	Rule: func(c *engine.RuleContext) {
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
func evalInterval(f *rules.File, g *rules.Group, cfg *engine.Config) (time.Duration, string) {
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
	astwalk.Inspect(e, func(n parser.Node, _ []parser.Node) error {
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
