package ruletest

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/timestamp"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/promql"
	promrules "github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/template"
)

// The passes evaluate rules with the rules manager's logic, written again
// here for what a test needs and nothing more (see passes): a rule's
// expression string is made once, not twice at every step; a label or an
// annotation without a template is itself, not a template parsed and run
// at every step for every series; an alert's annotations are expanded when
// an assertion reads them, from the sample they were last expanded from in
// the rules manager, and not at every step; no tracing, metrics or logs.
// What is written to the storage, and the alerts' states, are the rules
// manager's, step for step: Eval below follows rules.AlertingRule.Eval and
// rules.RecordingRule.Eval of Prometheus 3.16, and evalStep rules.Group.Eval.
// An evaluation that fails in any way stops the passes, and the group runs
// again step by step with the rules manager itself, for promtool's message.
//
// Templates that call query read the storage when they run, which this
// does not order: a group with such a rule runs step by step.

// replayed is a rule of a pass.
type replayed interface {
	name() string
	eval(ctx context.Context, ts time.Time, query promrules.QueryFunc) (promql.Vector, error)
}

// replayRecord is a recording rule.
type replayRecord struct {
	rule   *promrules.RecordingRule
	qs     string
	labels labels.Labels
	limit  int
}

func (r *replayRecord) name() string { return r.rule.Name() }

func (r *replayRecord) eval(ctx context.Context, ts time.Time, query promrules.QueryFunc) (promql.Vector, error) {
	vector, err := query(ctx, r.qs, ts)
	if err != nil {
		return nil, err
	}
	lb := labels.NewBuilder(labels.EmptyLabels())
	for i := range vector {
		sample := &vector[i]
		lb.Reset(sample.Metric)
		lb.Set(labels.MetricName, r.rule.Name())
		r.labels.Range(func(l labels.Label) { lb.Set(l.Name, l.Value) })
		sample.Metric = lb.Labels()
	}
	if vector.ContainsSameLabelset() {
		return nil, promrules.ErrDuplicateRecordingLabelSet
	}
	if r.limit > 0 && len(vector) > r.limit {
		return nil, fmt.Errorf("exceeded limit of %d with %d series", r.limit, len(vector))
	}
	return vector, nil
}

// replayAlert is an alerting rule and its alerts.
type replayAlert struct {
	rule           *promrules.AlertingRule
	qs             string
	labels         labels.Labels
	templated      map[string]bool // labels whose value is a template
	annotations    labels.Labels
	externalLabels map[string]string
	externalURL    string
	limit          int
	active         map[uint64]*replayedAlert
}

// replayedAlert is an alert with the sample its annotations come from.
type replayedAlert struct {
	promrules.Alert
	sample promql.Sample
}

func newReplayAlert(r *promrules.AlertingRule, tg testGroup, limit int) *replayAlert {
	a := &replayAlert{rule: r, qs: r.Query().String(), labels: r.Labels(), annotations: r.Annotations(),
		templated: map[string]bool{}, externalLabels: tg.ExternalLabels.Map(), externalURL: tg.ExternalURL,
		limit: limit, active: map[uint64]*replayedAlert{}}
	r.Labels().Range(func(l labels.Label) {
		if strings.Contains(l.Value, "{{") {
			a.templated[l.Name] = true
		}
	})
	return a
}

func (r *replayAlert) name() string { return r.rule.Name() }

// templatesQuery reports whether a rule's labels or annotations call the
// query template function.
func templatesQuery(alert string, ls ...labels.Labels) bool {
	found := false
	for _, l := range ls {
		l.Range(func(l labels.Label) {
			found = found || callsQuery(alert, l.Value)
		})
	}
	return found
}

// expand runs a label or annotation template as the rules manager does.
func (r *replayAlert) expand(ctx context.Context, text string, smpl promql.Sample, ts time.Time, query promrules.QueryFunc) string {
	data := template.AlertTemplateData(smpl.Metric.Map(), r.externalLabels, r.externalURL, smpl)
	tmpl := template.NewTemplateExpander(ctx, templateDefs+text, "__alert_"+r.rule.Name(), data,
		model.Time(timestamp.FromTime(ts)), template.QueryFunc(query), nil, nil)
	result, err := tmpl.Expand()
	if err != nil {
		result = fmt.Sprintf("<error expanding template: %s>", err)
	}
	return result
}

func (r *replayAlert) eval(ctx context.Context, ts time.Time, query promrules.QueryFunc) (promql.Vector, error) {
	res, err := query(ctx, r.qs, ts)
	if err != nil {
		return nil, err
	}
	resultFPs := map[uint64]struct{}{}
	lb := labels.NewBuilder(labels.EmptyLabels())
	alerts := make(map[uint64]*replayedAlert, len(res))
	for _, smpl := range res {
		lb.Reset(smpl.Metric)
		lb.Del(labels.MetricName)
		r.labels.Range(func(l labels.Label) {
			v := l.Value
			if r.templated[l.Name] {
				v = r.expand(ctx, v, smpl, ts, query)
			}
			lb.Set(l.Name, v)
		})
		lb.Set(labels.AlertName, r.rule.Name())
		lbs := lb.Labels()
		h := lbs.Hash()
		resultFPs[h] = struct{}{}
		if _, ok := alerts[h]; ok {
			return nil, promrules.ErrDuplicateAlertLabelSet
		}
		alerts[h] = &replayedAlert{Alert: promrules.Alert{Labels: lbs, ActiveAt: ts, State: promrules.StatePending, Value: smpl.F}, sample: smpl}
	}
	for h, a := range alerts {
		if alert, ok := r.active[h]; ok && alert.State != promrules.StateInactive {
			alert.Value = a.Value
			alert.sample = a.sample
			continue
		}
		r.active[h] = a
	}

	var vec promql.Vector
	numActivePending := 0
	hold, keepFor := r.rule.HoldDuration(), r.rule.KeepFiringFor()
	for fp, a := range r.active {
		if _, ok := resultFPs[fp]; !ok {
			var keepFiring bool
			if a.State == promrules.StateFiring && keepFor > 0 {
				if a.KeepFiringSince.IsZero() {
					a.KeepFiringSince = ts
				}
				if ts.Sub(a.KeepFiringSince) < keepFor {
					keepFiring = true
				}
			}
			if a.State == promrules.StatePending || (!a.ResolvedAt.IsZero() && ts.Sub(a.ResolvedAt) > 15*time.Minute) {
				delete(r.active, fp)
			}
			if a.State != promrules.StateInactive && !keepFiring {
				a.State = promrules.StateInactive
				a.ResolvedAt = ts
			}
			if !keepFiring {
				continue
			}
		} else {
			a.KeepFiringSince = time.Time{}
		}
		numActivePending++
		if a.State == promrules.StatePending && ts.Sub(a.ActiveAt) >= hold {
			a.State = promrules.StateFiring
			a.FiredAt = ts
		}
		if a.State == promrules.StateFiring && ts.Sub(a.ActiveAt) < hold {
			a.State = promrules.StatePending
			a.FiredAt = time.Time{}
			a.KeepFiringSince = time.Time{}
		}
		vec = append(vec, r.sample(a, "ALERTS", ts, 1, true), r.sample(a, "ALERTS_FOR_STATE", ts, float64(a.ActiveAt.Unix()), false))
	}
	if r.limit > 0 && numActivePending > r.limit {
		r.active = map[uint64]*replayedAlert{}
		return nil, fmt.Errorf("exceeded limit of %d with %d alerts", r.limit, numActivePending)
	}
	return vec, nil
}

// sample is an ALERTS or ALERTS_FOR_STATE sample of an alert: the rule's
// labels as written, then the alert's over them (a label whose template
// expands to nothing keeps its text there, as in the rules manager).
func (r *replayAlert) sample(a *replayedAlert, name string, ts time.Time, v float64, state bool) promql.Sample {
	lb := labels.NewBuilder(r.labels)
	a.Labels.Range(func(l labels.Label) { lb.Set(l.Name, l.Value) })
	lb.Set(labels.MetricName, name)
	lb.Set(labels.AlertName, r.rule.Name())
	if state {
		lb.Set("alertstate", a.State.String())
	}
	return promql.Sample{Metric: lb.Labels(), T: timestamp.FromTime(ts), F: v}
}

// firing returns the firing alerts with their annotations.
func (r *replayAlert) firing(ctx context.Context, query promrules.QueryFunc) []alertSample {
	var out []alertSample
	for _, a := range r.active {
		if a.State != promrules.StateFiring {
			continue
		}
		sb := labels.NewScratchBuilder(r.annotations.Len())
		r.annotations.Range(func(l labels.Label) {
			v := l.Value
			if strings.Contains(v, "{{") {
				v = r.expand(ctx, v, a.sample, time.UnixMilli(a.sample.T).UTC(), query)
			}
			sb.Add(l.Name, v)
		})
		out = append(out, alertSample{Labels: a.Labels.Copy(), Annotations: sb.Labels()})
	}
	return out
}

// passRule is a rule of a pass with what the rules manager keeps of it
// from one step to the next: the series it wrote.
type passRule struct {
	replayed
	previous map[string]labels.Labels
}

// evalStep evaluates the rules of a pass at one step, in order, and
// appends what they write as rules.Group.Eval does: each rule's samples
// committed before the next rule runs, and a stale marker for each series
// a rule wrote at the step before and not at this one. It returns the
// first error, which stops the passes.
func evalStep(ctx context.Context, app storage.AppendableV2, rules []*passRule, ts time.Time, query promrules.QueryFunc) error {
	for _, r := range rules {
		vec, err := r.eval(ctx, ts, query)
		if err != nil {
			return fmt.Errorf("rule: %s, time: %s, err: %w", r.name(), ts.Sub(time.Unix(0, 0).UTC()), err)
		}
		a := app.AppenderV2(ctx)
		returned := make(map[string]labels.Labels, len(r.previous))
		opts := storage.AOptions{RejectOutOfOrder: true}
		for _, s := range vec {
			if _, err := a.Append(0, s.Metric, 0, s.T, s.F, nil, s.H, opts); err != nil {
				_ = a.Rollback()
				return fmt.Errorf("rule: %s, time: %s, err: %w", r.name(), ts.Sub(time.Unix(0, 0).UTC()), err)
			}
			returned[string(s.Metric.Bytes(nil))] = s.Metric
		}
		for key, lset := range r.previous {
			if _, ok := returned[key]; !ok {
				// The rules manager ignores a refused stale marker.
				_, _ = a.Append(0, lset, 0, timestamp.FromTime(ts), math.Float64frombits(value.StaleNaN), nil, nil, opts)
			}
		}
		if err := a.Commit(); err != nil {
			return fmt.Errorf("rule: %s, time: %s, err: %w", r.name(), ts.Sub(time.Unix(0, 0).UTC()), err)
		}
		r.previous = returned
	}
	return nil
}
