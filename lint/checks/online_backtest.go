package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/online"
)

// DefaultEvaluationInterval is the evaluation interval a backtest steps
// at for a group that sets none, when the config sets none either:
// Prometheus's default global evaluation_interval.
const DefaultEvaluationInterval = time.Minute

// OnlineBacktest replays each alert over the server's history and says how
// often it would have fired.
var OnlineBacktest = &engine.Check{
	ID:       "online/backtest",
	Title:    "How often an alert would have fired over the server's recent history",
	Severity: engine.Info,
	Doc:      doc("online/backtest"),
	File:     keepOnline,
	Files: func(c *engine.FilesContext) {
		bt := c.Config.Backtest
		if c.Config.Online == nil || bt.Range <= 0 {
			return
		}
		files, skip := onlineFiles(c)
		ctx := c.Config.Online.Ctx()
		eachOnline(c, files, func(j onlineJob, report func(engine.Span, engine.Severity, string, string)) {
			r := j.rule
			if !r.alert {
				return
			}
			// A name the rules linted record and the server does not have
			// yet: the history cannot say how the alert would behave.
			var missing string
			parser.Inspect(r.expr, func(n parser.Node, _ []parser.Node) error {
				if vs, ok := n.(*parser.VectorSelector); ok && missing == "" && vs.Name != "" && skip(vs.Name) {
					if st, err := j.p.Selector(ctx, vs); err == nil && !st.Matches {
						missing = vs.Name
					}
				}
				return nil
			})
			if missing != "" {
				report(r.nameSpan, 0, "", fmt.Sprintf("no backtest on %s: it reads %s, which the rules linted record and the server has no series of yet",
					j.p.Client().Name(), missing))
				return
			}
			step := r.interval
			if step <= 0 {
				step = c.Config.EvaluationInterval
			}
			if step <= 0 {
				step = DefaultEvaluationInterval
			}
			b, err := j.p.Backtest(ctx, r.expr.String(), online.BacktestOptions{
				Range: bt.Range, Step: step, For: r.forDur, KeepFiringFor: r.keepFiring, MaxSeries: bt.MaxSeries,
			})
			if err != nil {
				return
			}
			var msg strings.Builder
			fmt.Fprintf(&msg, "backtest on %s over the last %s at a %s step: ", j.p.Client().Name(), online.Short(bt.Range), online.Short(step))
			switch b.Firings {
			case 0:
				msg.WriteString("it would not have fired")
			case 1:
				msg.WriteString("it would have fired once")
			default:
				fmt.Fprintf(&msg, "it would have fired %d times", b.Firings)
			}
			if b.Firings > 0 {
				fmt.Fprintf(&msg, ", the longest for %s", online.Short(b.Longest))
				if len(b.LongestLabels) > 0 {
					fmt.Fprintf(&msg, " (%s)", b.LongestLabels)
				}
			}
			if b.FiringAtEnd > 0 {
				fmt.Fprintf(&msg, "; %d firing now", b.FiringAtEnd)
			}
			fmt.Fprintf(&msg, "; %s, %s", count(b.Instances, "instance"), count(b.Queries, "range query"))
			if b.Truncated {
				fmt.Fprintf(&msg, "; more instances than the %d followed: the counts are of those", b.Instances)
			}
			sev, hint := engine.Severity(0), ""
			if limit := bt.MaxFirings; limit > 0 && b.Firings > limit {
				sev, hint = engine.Warning, "a flapping or always-firing alert: raise its threshold or its for"
				fmt.Fprintf(&msg, ": more than the %d firings allowed", limit)
			}
			report(r.nameSpan, sev, hint, msg.String())
		})
	},
}

// count writes n things: 1 instance, 2 instances, 2 range queries.
func count(n int, thing string) string {
	switch {
	case n == 1:
		return "1 " + thing
	case strings.HasSuffix(thing, "y"):
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(thing, "y"))
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
