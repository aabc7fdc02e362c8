package ruletest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/promqltest"
	promrules "github.com/prometheus/prometheus/rules"
)

// run evaluates one test group the way promtool does: input series are
// appended up to each evaluation time, every rule group is evaluated at
// every step of the evaluation interval, alerts are compared at the step
// that covers their eval_time, and expressions are queried at the end.
func (j *groupJob) run(c *config) []*Failure {
	pf, tg := j.file, j.group
	var fails []*Failure
	fail := func(kind, format string, args ...any) {
		fails = append(fails, &Failure{Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
	if len(pf.loadErrs) > 0 {
		for _, e := range pf.loadErrs {
			fail(FailLoad, "%s", e)
		}
		return fails
	}

	suite, err := promqltest.NewLazyLoader(seriesLoadingString(tg), promqltest.LazyLoaderOpts{
		EnableAtModifier:         true,
		EnableNegativeOffset:     true,
		EnableDelayedNameRemoval: c.delayedNameRem,
		StartTime:                tg.StartTimestamp.Time,
		Parser:                   c.engineParser,
	})
	if err != nil {
		fail(FailLoad, "input_series: %v", err)
		return fails
	}
	defer suite.Close()
	suite.SubqueryInterval = pf.evalInterval

	loader, ids := pf.loader(c.parser)
	if !c.opts.Exhaustive && !c.opts.Debug {
		if pruned, left := prune(pf, tg, c.parser); pruned != nil {
			loader.byID = pruned
			j.report.LeftOut = left
		}
	}
	m := promrules.NewManager(&promrules.ManagerOptions{
		QueryFunc:    promrules.EngineQueryFunc(suite.QueryEngine(), suite.Storage()),
		AppendableV2: suite.Storage(),
		Context:      context.Background(),
		NotifyFunc:   func(context.Context, string, ...*promrules.Alert) {},
		Logger:       nopLogger,
		Parser:       c.parser,
		GroupLoader:  loader,
	})
	groupsMap, errs := m.LoadGroups(time.Duration(tg.Interval), tg.ExternalLabels, tg.ExternalURL, nil, c.opts.IgnoreUnknownFields, ids...)
	if len(errs) > 0 {
		for _, e := range errs {
			fail(FailLoad, "%v", e)
		}
		return fails
	}
	groups := orderedGroups(groupsMap, pf.groupOrder, loader, ids)

	mint := time.Unix(0, 0).UTC()
	if !tg.StartTimestamp.IsZero() {
		mint = tg.StartTimestamp.Time
	}
	maxt := mint.Add(maxEvalTime(tg))

	// Alert assertions by evaluation time.
	alertTests := map[model.Duration][]alertTestCase{}
	alertNames := map[model.Duration]map[string]bool{}
	defined := map[string]bool{}
	for _, g := range groups {
		for _, r := range g.Rules() {
			if ar, ok := r.(*promrules.AlertingRule); ok {
				defined[ar.Name()] = true
				// Alerts count as restored, so that the ALERTS series
				// is written when they fire.
				ar.SetRestored(true)
			}
		}
	}
	for _, at := range tg.AlertRuleTests {
		if at.Alertname == "" {
			where := ""
			if tg.Name != "" {
				where = fmt.Sprintf(" (in TestGroup %s)", tg.Name)
			}
			fail(FailLoad, "%v at eval_time %v%s", errNoAlertname, at.EvalTime, where)
			return fails
		}
		if !defined[at.Alertname] && !c.opts.Compat {
			fail(FailCheck, "alertname %q at eval_time %v: no alerting rule of the rule files defines it, so this assertion can only pass in silence (--compat allows it)", at.Alertname, at.EvalTime)
		}
		if alertNames[at.EvalTime] == nil {
			alertNames[at.EvalTime] = map[string]bool{}
		}
		alertNames[at.EvalTime][at.Alertname] = true
		alertTests[at.EvalTime] = append(alertTests[at.EvalTime], at)
		j.exercised = append(j.exercised, "alert:"+at.Alertname)
	}
	evalTimes := make([]model.Duration, 0, len(alertTests))
	for t := range alertTests {
		evalTimes = append(evalTimes, t)
	}
	slices.Sort(evalTimes)

	compareFloat := exactFloat
	if pf.fuzzy {
		compareFloat = fuzzyFloat
	}

	curr := 0
	evalInterval := pf.evalInterval
	for ts := mint; !ts.After(maxt); ts = ts.Add(evalInterval) {
		var evalErrs []*Failure
		var appendErr error
		suite.WithSamplesTill(ts, func(err error) {
			if err != nil {
				appendErr = err
				return
			}
			for _, g := range groups {
				g.Eval(suite.Context(), ts)
				for _, r := range g.Rules() {
					if err := r.LastError(); err != nil {
						evalErrs = append(evalErrs, &Failure{Kind: FailEval, EvalTime: ts.Sub(time.Unix(0, 0).UTC()),
							Message: fmt.Sprintf("rule: %s, time: %s, err: %v", r.Name(), ts.Sub(time.Unix(0, 0).UTC()), err)})
					}
				}
			}
		})
		if appendErr != nil {
			fail(FailLoad, "input_series: %v", appendErr)
		}
		if len(evalErrs) > 0 {
			return append(fails, evalErrs...)
		}

		for curr < len(evalTimes) && ts.Sub(mint) <= time.Duration(evalTimes[curr]) &&
			time.Duration(evalTimes[curr]) < ts.Add(evalInterval).Sub(mint) {
			t := evalTimes[curr]
			got := map[string][]alertSample{}
			for _, g := range groups {
				for _, r := range g.Rules() {
					ar, ok := r.(*promrules.AlertingRule)
					if !ok || !alertNames[t][ar.Name()] {
						continue
					}
					for _, a := range ar.ActiveAlerts() {
						if a.State == promrules.StateFiring {
							got[ar.Name()] = append(got[ar.Name()], alertSample{Labels: a.Labels.Copy(), Annotations: a.Annotations.Copy()})
						}
					}
				}
			}
			for _, at := range alertTests[t] {
				var exp []alertSample
				for _, a := range at.ExpAlerts {
					lbls := map[string]string{}
					for k, v := range a.ExpLabels {
						lbls[k] = v
					}
					lbls[labels.AlertName] = at.Alertname
					exp = append(exp, alertSample{Labels: labels.FromMap(lbls), Annotations: labels.FromMap(a.ExpAnnotations)})
				}
				if f := compareAlerts(at, exp, got[at.Alertname], compareFloat, c.opts.Diff, tg.Name); f != nil {
					fails = append(fails, f)
				}
			}
			curr++
		}
	}

	for _, pt := range tg.PromqlExprTests {
		j.exercised = append(j.exercised, exprNames(c, pt.Expr)...)
		if f := checkExpr(suite, c, pt, mint, compareFloat); f != nil {
			fails = append(fails, f)
		}
	}

	if c.opts.Debug {
		j.debug = debugDump(suite, tg, mint)
	}
	return fails
}

// seriesLoadingString writes the input series as a promqltest load
// command, as promtool does.
func seriesLoadingString(tg testGroup) string {
	var b strings.Builder
	fmt.Fprintf(&b, "load %v\n", shortDuration(tg.Interval))
	for _, s := range tg.InputSeries {
		fmt.Fprintf(&b, "  %v %v\n", s.Series, s.Values)
	}
	return b.String()
}

func shortDuration(d model.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// orderedGroups orders rule groups by their place in group_eval_order;
// groups it does not name count as 0, as promtool counts them. Where
// promtool leaves ties in random order, oomguard keeps the order of the
// rule files and of the groups in them.
func orderedGroups(byKey map[string]*promrules.Group, order map[string]int, l *groupLoader, ids []string) []*promrules.Group {
	place := map[string]int{}
	for _, id := range ids {
		for _, g := range l.byID[id].Groups {
			place[promrules.GroupKey(id, g.Name)] = len(place)
		}
	}
	groups := make([]*promrules.Group, 0, len(byKey))
	for _, g := range byKey {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(a, b int) bool {
		ga, gb := groups[a], groups[b]
		if oa, ob := order[ga.Name()], order[gb.Name()]; oa != ob {
			return oa < ob
		}
		return place[promrules.GroupKey(ga.File(), ga.Name())] < place[promrules.GroupKey(gb.File(), gb.Name())]
	})
	return groups
}

func maxEvalTime(tg testGroup) time.Duration {
	var maxd model.Duration
	for _, a := range tg.AlertRuleTests {
		maxd = max(maxd, a.EvalTime)
	}
	for _, p := range tg.PromqlExprTests {
		maxd = max(maxd, p.EvalTime)
	}
	return time.Duration(maxd)
}

// query runs an instant query; a scalar result is one sample without
// labels, as promtool treats it.
func query(ctx context.Context, qs string, t time.Time, suite *promqltest.LazyLoader) (promql.Vector, error) {
	q, err := suite.QueryEngine().NewInstantQuery(ctx, suite.Queryable(), nil, qs, t)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	res := q.Exec(ctx)
	if res.Err != nil {
		return nil, res.Err
	}
	switch v := res.Value.(type) {
	case promql.Vector:
		return v, nil
	case promql.Scalar:
		return promql.Vector{promql.Sample{T: v.T, F: v.V, Metric: labels.Labels{}}}, nil
	}
	return nil, fmt.Errorf("rule result is not a vector or scalar")
}

func debugDump(suite *promqltest.LazyLoader, tg testGroup, mint time.Time) string {
	ts := (maxEvalTime(tg) + time.Second).Truncate(time.Second)
	expr := fmt.Sprintf(`{__name__=~".+"}[%v]`, ts)
	q, err := suite.QueryEngine().NewInstantQuery(context.Background(), suite.Queryable(), nil, expr, mint.Add(ts))
	if err != nil {
		return fmt.Sprintf("DEBUG: Failed querying, expr: %q, err: %v\n", expr, err)
	}
	defer q.Close()
	res := q.Exec(suite.Context())
	if res.Err != nil {
		return fmt.Sprintf("DEBUG: Failed query exec, expr: %q, err: %v\n", expr, res.Err)
	}
	return fmt.Sprintf("DEBUG: Dump of all data (input_series and rules) of %s at %v:\n%s\n", tg.Name, ts, res.Value.String())
}
