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

// run evaluates one test group. The verdict and the report are promtool's
// whichever way it goes: by default the rules no assertion needs are left
// out (prune) and the rest evaluated over the whole range where that gives
// what step-by-step evaluation gives (passes); --exhaustive and --debug
// evaluate every rule at every step, as promtool does.
func (j *groupJob) run(c *config) []*Failure {
	if len(j.file.loadErrs) > 0 {
		var fails []*Failure
		for _, e := range j.file.loadErrs {
			fails = append(fails, &Failure{Kind: FailLoad, Message: e})
		}
		return fails
	}
	if len(j.file.limitErrs) > 0 {
		var fails []*Failure
		for _, e := range j.file.limitErrs {
			fails = append(fails, &Failure{Kind: FailLimit, Message: fmt.Sprintf("test group %s: %s", j.report.Name, e)})
		}
		return fails
	}
	if msg := c.groupLimit(j.file, j.group, j.report.Name); msg != "" {
		return []*Failure{{Kind: FailLimit, Message: msg}}
	}
	switch {
	case c.opts.Exhaustive:
		j.report.StepByStep = []StepByStep{{Reason: "--exhaustive evaluates every rule at every step"}}
		return j.runSteps(c, false)
	case c.opts.Debug:
		j.report.StepByStep = []StepByStep{{Reason: "--debug evaluates every rule at every step, as promtool does"}}
		return j.runSteps(c, false)
	}
	if fails, ok := j.runPasses(c); ok {
		return fails
	}
	return j.runSteps(c, true)
}

// session is one evaluation of a test group: its storage with the input,
// its rules loaded into the rules manager in promtool's order, and its
// assertions by time.
type session struct {
	j          *groupJob
	c          *config
	suite      seriesStore
	opts       *promrules.ManagerOptions
	groups     []*promrules.Group
	mint, maxt time.Time
	// alertTests are the alert assertions by evaluation time, in order;
	// alertNames the alerts each time asserts.
	alertTests map[model.Duration][]alertTestCase
	alertNames map[model.Duration]map[string]bool
	evalTimes  []model.Duration
	compare    floatCompare
	// cache holds rule expressions evaluated over the whole range, by
	// query string; the rules manager's queries are answered from it.
	cache map[string]*rangeResult
	// input is the label sets of the input series.
	input []labels.Labels
}

// newSession loads the input and the rules (pruned or not) and reads the
// assertions. It returns the failures found so far, and false when the
// group cannot run further. wide is for passes (see store).
func (j *groupJob) newSession(c *config, pruned, wide bool) (*session, []*Failure, bool) {
	pf, tg := j.file, j.group
	var fails []*Failure
	fail := func(kind, format string, args ...any) {
		fails = append(fails, &Failure{Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
	j.exercised = nil
	j.report.LeftOut = 0

	var suite seriesStore
	input, dup, parsed := parseInput(tg, c.opts.Compat, c.limits.InputSamples)
	switch {
	case dup != "":
		fail(FailLoad, "%s", dup)
		return nil, fails, false
	case parsed:
		st, err := openStore(input, pf.engine(c), wide)
		if err != nil {
			fail(FailLoad, "%v", err)
			return nil, fails, false
		}
		suite = st
	case wide:
		// Passes need the store; the LazyLoader is for promtool's
		// message, step by step.
		return nil, nil, false
	default:
		ll, err := promqltest.NewLazyLoader(seriesLoadingString(tg), promqltest.LazyLoaderOpts{
			EnableAtModifier:         true,
			EnableNegativeOffset:     true,
			EnableDelayedNameRemoval: c.delayedNameRem,
			StartTime:                tg.StartTimestamp.Time,
			Parser:                   c.engineParser,
		})
		if err != nil {
			fail(FailLoad, "input_series: %v", err)
			return nil, fails, false
		}
		ll.SubqueryInterval = pf.evalInterval
		suite = ll
	}
	s := &session{j: j, c: c, suite: suite}
	for _, in := range input {
		s.input = append(s.input, in.labels)
	}

	loader, ids := pf.loader(c.parser)
	if pruned {
		if kept, left := prune(pf, tg, input, c.parser); kept != nil {
			loader.byID = kept
			j.report.LeftOut = left
		}
	}
	s.opts = &promrules.ManagerOptions{
		QueryFunc:    s.query,
		AppendableV2: suite.Storage(),
		Context:      context.Background(),
		NotifyFunc:   func(context.Context, string, ...*promrules.Alert) {},
		Logger:       nopLogger,
		Parser:       c.parser,
		GroupLoader:  loader,
	}
	m := promrules.NewManager(s.opts)
	groupsMap, errs := m.LoadGroups(time.Duration(tg.Interval), tg.ExternalLabels, tg.ExternalURL, nil, c.opts.IgnoreUnknownFields, ids...)
	if len(errs) > 0 {
		for _, e := range errs {
			fail(FailLoad, "%v", e)
		}
		s.close()
		return nil, fails, false
	}
	s.groups = orderedGroups(groupsMap, pf.groupOrder, loader, ids)

	s.mint = time.Unix(0, 0).UTC()
	if !tg.StartTimestamp.IsZero() {
		s.mint = tg.StartTimestamp.Time
	}
	s.maxt = s.mint.Add(maxEvalTime(tg))

	// Alert assertions by evaluation time.
	s.alertTests = map[model.Duration][]alertTestCase{}
	s.alertNames = map[model.Duration]map[string]bool{}
	defined := map[string]bool{}
	for _, g := range s.groups {
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
			s.close()
			return nil, fails, false
		}
		if !defined[at.Alertname] && !c.opts.Compat {
			fail(FailCheck, "alertname %q at eval_time %v: no alerting rule of the rule files defines it, so this assertion can only pass in silence (--compat allows it)", at.Alertname, at.EvalTime)
		}
		if s.alertNames[at.EvalTime] == nil {
			s.alertNames[at.EvalTime] = map[string]bool{}
		}
		s.alertNames[at.EvalTime][at.Alertname] = true
		s.alertTests[at.EvalTime] = append(s.alertTests[at.EvalTime], at)
		j.exercised = append(j.exercised, "alert:"+at.Alertname)
	}
	for t := range s.alertTests {
		s.evalTimes = append(s.evalTimes, t)
	}
	slices.Sort(s.evalTimes)

	s.compare = exactFloat
	if pf.fuzzy {
		s.compare = fuzzyFloat
	}
	return s, fails, true
}

func (s *session) close() { s.suite.Close() }

// query answers the rules manager: from the range results of the current
// pass where it holds one for the query and time, from the engine
// otherwise.
func (s *session) query(ctx context.Context, qs string, t time.Time) (promql.Vector, error) {
	if r := s.cache[qs]; r != nil {
		if v, ok := r.at(t); ok {
			return v, nil
		}
	}
	return query(ctx, qs, t, s.suite)
}

// evalError is a rule that failed to evaluate at a step, with promtool's
// message.
func (s *session) evalErrors(groups []*promrules.Group, ts time.Time) []*Failure {
	var errs []*Failure
	for _, g := range groups {
		for _, r := range g.Rules() {
			if err := r.LastError(); err != nil {
				at := ts.Sub(time.Unix(0, 0).UTC())
				errs = append(errs, &Failure{Kind: FailEval, EvalTime: at,
					Message: fmt.Sprintf("rule: %s, time: %s, err: %v", r.Name(), at, err)})
			}
		}
	}
	return errs
}

// firing adds the firing alerts of the groups' rules that time t asserts
// to got.
func (s *session) firing(groups []*promrules.Group, t model.Duration, got map[string][]alertSample) {
	for _, g := range groups {
		for _, r := range g.Rules() {
			ar, ok := r.(*promrules.AlertingRule)
			if !ok || !s.alertNames[t][ar.Name()] {
				continue
			}
			for _, a := range ar.ActiveAlerts() {
				if a.State == promrules.StateFiring {
					got[ar.Name()] = append(got[ar.Name()], alertSample{Labels: a.Labels.Copy(), Annotations: a.Annotations.Copy()})
				}
			}
		}
	}
}

// stepAt returns the evaluation times asserted at the step of ts: those in
// [ts, ts+interval) from the start.
func (s *session) stepAt(ts time.Time, from int) (first, end int) {
	interval := s.j.file.evalInterval
	end = from
	for end < len(s.evalTimes) && ts.Sub(s.mint) <= time.Duration(s.evalTimes[end]) &&
		time.Duration(s.evalTimes[end]) < ts.Add(interval).Sub(s.mint) {
		end++
	}
	return from, end
}

// compareAlerts compares the firing alerts got at time t with the
// expected ones.
func (s *session) compareAlerts(t model.Duration, got map[string][]alertSample) []*Failure {
	var fails []*Failure
	for _, at := range s.alertTests[t] {
		var exp []alertSample
		for _, a := range at.ExpAlerts {
			lbls := map[string]string{}
			for k, v := range a.ExpLabels {
				lbls[k] = v
			}
			lbls[labels.AlertName] = at.Alertname
			exp = append(exp, alertSample{Labels: labels.FromMap(lbls), Annotations: labels.FromMap(a.ExpAnnotations)})
		}
		if f := compareAlerts(at, exp, got[at.Alertname], s.compare, s.c.opts.Diff, s.j.group.Name); f != nil {
			fails = append(fails, f)
		}
	}
	return fails
}

// checkExprs runs the expression assertions on the storage as the rules
// left it.
func (s *session) checkExprs() []*Failure {
	var fails []*Failure
	for _, pt := range s.j.group.PromqlExprTests {
		s.j.exercised = append(s.j.exercised, exprNames(s.c, pt.Expr)...)
		if f := checkExpr(s.suite, s.c, pt, s.mint, s.compare); f != nil {
			fails = append(fails, f)
		}
	}
	return fails
}

// runSteps evaluates the group the way promtool does: input series are
// appended up to each evaluation time, every rule group is evaluated at
// every step of the evaluation interval, alerts are compared at the step
// that covers their eval_time, and expressions are queried at the end.
func (j *groupJob) runSteps(c *config, pruned bool) []*Failure {
	s, fails, ok := j.newSession(c, pruned, false)
	if !ok {
		return fails
	}
	defer s.close()
	curr := 0
	for ts := s.mint; !ts.After(s.maxt); ts = ts.Add(j.file.evalInterval) {
		var evalErrs []*Failure
		var appendErr error
		s.suite.WithSamplesTill(ts, func(err error) {
			if err != nil {
				appendErr = err
				return
			}
			for _, g := range s.groups {
				g.Eval(s.suite.Context(), ts)
				evalErrs = append(evalErrs, s.evalErrors([]*promrules.Group{g}, ts)...)
			}
		})
		if appendErr != nil {
			fails = append(fails, &Failure{Kind: FailLoad, Message: fmt.Sprintf("input_series: %v", appendErr)})
		}
		if len(evalErrs) > 0 {
			return append(fails, evalErrs...)
		}
		var first int
		first, curr = s.stepAt(ts, curr)
		for _, t := range s.evalTimes[first:curr] {
			got := map[string][]alertSample{}
			s.firing(s.groups, t, got)
			fails = append(fails, s.compareAlerts(t, got)...)
		}
	}
	fails = append(fails, s.checkExprs()...)
	if c.opts.Debug {
		j.debug = debugDump(s.suite, j.group, s.mint)
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
func query(ctx context.Context, qs string, t time.Time, suite seriesStore) (promql.Vector, error) {
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

func debugDump(suite seriesStore, tg testGroup, mint time.Time) string {
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
