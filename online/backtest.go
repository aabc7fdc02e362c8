package online

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/prometheus/common/model"
)

// MaxPointsPerSeries is Prometheus's limit of points a series in one
// range query: a backtest splits its range into queries under it.
const MaxPointsPerSeries = 11000

// DefaultMaxSeries is the number of alert instances a backtest follows;
// past it, the backtest says so and counts what it has.
const DefaultMaxSeries = 1000

// BacktestOptions of a backtest.
type BacktestOptions struct {
	// Range is how far back from the prober's Now the alert is replayed.
	Range time.Duration
	// Step is the rule group's evaluation interval: the alert is evaluated
	// at the same instants a rule manager would.
	Step time.Duration
	// For and KeepFiringFor are the alert's.
	For, KeepFiringFor time.Duration
	// MaxSeries caps the alert instances followed (DefaultMaxSeries when 0).
	MaxSeries int
}

// Backtest is how an alert would have behaved over a range.
type Backtest struct {
	// Firings counts the times an instance started firing.
	Firings int
	// Longest is the longest firing (of an instance), and LongestLabels
	// that instance's labels.
	Longest       time.Duration
	LongestLabels model.Metric
	// FiringAtEnd counts the instances still firing at the end of the range.
	FiringAtEnd int
	// Instances is the number of distinct label sets the expression gave.
	Instances int
	// Truncated says more than MaxSeries instances were seen; the counts
	// are of the first MaxSeries.
	Truncated bool
	// Queries is the number of range queries sent; Start and End the
	// replayed range, Step the evaluation interval.
	Queries    int
	Start, End time.Time
	Step       time.Duration
}

// Backtest replays the alert expression expr over the range, with for and
// keep_firing_for applied as Prometheus's rule manager applies them. The
// range is split into range queries of at most MaxPointsPerSeries points,
// aligned on the step.
func (p *Prober) Backtest(ctx context.Context, expr string, o BacktestOptions) (*Backtest, error) {
	if o.Step <= 0 || o.Range <= 0 {
		return nil, fmt.Errorf("backtest needs a positive range and step")
	}
	if o.MaxSeries <= 0 {
		o.MaxSeries = DefaultMaxSeries
	}
	// Whole steps, in the milliseconds the API speaks.
	end := p.opts.Now.Truncate(o.Step).Truncate(time.Millisecond)
	start := end.Add(-o.Range).Truncate(o.Step)
	b := &Backtest{Start: start, End: end, Step: o.Step}
	// Each series' active instants, in order.
	active := map[model.Fingerprint][]time.Time{}
	metrics := map[model.Fingerprint]model.Metric{}
	chunk := o.Step * (MaxPointsPerSeries - 1)
	for from := start; !from.After(end); from = from.Add(chunk + o.Step) {
		to := from.Add(chunk)
		if to.After(end) {
			to = end
		}
		m, _, err := p.c.QueryRange(ctx, expr, from, to, o.Step)
		if err != nil {
			return nil, err
		}
		b.Queries++
		for _, s := range m {
			fp := s.Metric.Fingerprint()
			if _, ok := metrics[fp]; !ok {
				if len(metrics) >= o.MaxSeries {
					b.Truncated = true
					continue
				}
				metrics[fp] = s.Metric
			}
			for _, v := range s.Values {
				active[fp] = append(active[fp], v.Timestamp.Time())
			}
		}
	}
	b.Instances = len(metrics)
	fps := make([]model.Fingerprint, 0, len(metrics))
	for fp := range metrics {
		fps = append(fps, fp)
	}
	sort.Slice(fps, func(i, j int) bool { return metrics[fps[i]].Before(metrics[fps[j]]) })
	for _, fp := range fps {
		firings, longest, atEnd := Replay(active[fp], start, end, o.Step, o.For, o.KeepFiringFor)
		b.Firings += firings
		if atEnd {
			b.FiringAtEnd++
		}
		if longest > b.Longest {
			b.Longest, b.LongestLabels = longest, metrics[fp]
		}
	}
	return b, nil
}

// Replay runs one alert instance through the rule manager's states at
// each evaluation from start to end, every step: active holds the
// instants (sorted) at which its expression had a value. It returns the
// number of times it started firing, its longest firing (a firing still
// on at the end counts up to the end), and whether it fires at the end.
//
// As Prometheus's rules.AlertingRule: an instance that turns active is
// pending from that evaluation (ActiveAt) and fires at the first
// evaluation at least for after ActiveAt (at once with for 0); when it
// stops being active, a pending instance is dropped and a firing one
// resolves, unless keep_firing_for holds it: it keeps firing until it has
// been inactive for keep_firing_for, measured from the first inactive
// evaluation.
func Replay(active []time.Time, start, end time.Time, step, forDur, keepFiringFor time.Duration) (firings int, longest time.Duration, firingAtEnd bool) {
	const (
		inactive = iota
		pending
		firing
	)
	state := inactive
	var activeAt, firedAt, keepSince time.Time
	i := 0
	for t := start; !t.After(end); t = t.Add(step) {
		ms := t.UnixMilli()
		for i < len(active) && active[i].UnixMilli() < ms {
			i++
		}
		isActive := i < len(active) && active[i].UnixMilli() == ms
		switch {
		case isActive:
			keepSince = time.Time{}
			if state == inactive {
				state, activeAt = pending, t
			}
			if state == pending && t.Sub(activeAt) >= forDur {
				state, firedAt = firing, t
				firings++
			}
		case state == pending:
			state = inactive
		case state == firing:
			if keepFiringFor > 0 {
				if keepSince.IsZero() {
					keepSince = t
				}
				if t.Sub(keepSince) < keepFiringFor {
					continue
				}
			}
			// Resolved at t: it fired until the evaluation before.
			longest = max(longest, t.Sub(firedAt))
			state, keepSince = inactive, time.Time{}
		}
	}
	if state == firing {
		longest = max(longest, end.Sub(firedAt))
		firingAtEnd = true
	}
	return firings, longest, firingAtEnd
}
