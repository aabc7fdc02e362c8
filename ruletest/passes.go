package ruletest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	promrules "github.com/prometheus/prometheus/rules"
)

// Evaluating a rule is mostly one instant query per step, and the engine
// does the same work again at every step: parse, plan, select the series,
// allocate. A range query over all the steps of a test group does it once,
// and gives at each step what the instant query gives, when both see the
// same samples. They do not always:
//
//   - promtool appends the input series up to each step before evaluating
//     it: an expression reading ahead of its evaluation time (the @
//     modifier, a negative offset) sees nothing there step by step, and the
//     samples over the whole range;
//   - rules are evaluated in order at each step, group by group: a rule
//     sees what the rules before it wrote at the same step, and what the
//     rules after it wrote at the step before. A rule reading the output of
//     a later rule (or its own) sees it one step late.
//
// So the rules of a group are evaluated in passes, each a run of the real
// rules manager over every step, group order and rule order kept, with the
// rules of one pass only. A rule of a later pass reads rules of earlier
// passes, whose output is then whole: its expression is evaluated over the
// range once and the rules manager's query at each step answered from it;
// the rules manager does the rest as promtool's does (labels, the alert
// state machine with for and keep_firing_for, resolved alerts, ALERTS and
// ALERTS_FOR_STATE, stale markers, templates). Rules that must see each
// other within a step (one reads a later one, or they may write the same
// series) share a pass and are queried step by step, as promtool does.
//
// Whatever this cannot prove falls back to step-by-step evaluation, and
// the report says which rules and why: a whole group when a rule reads
// ahead of its time or writes a series of the input, or when anything
// fails to evaluate (then the group runs again step by step, so that the
// messages are promtool's).

// rangeMaxSamples bounds the samples a range query may hold, and the range
// results a pass keeps; beyond it a rule is evaluated step by step, within
// the engine's per-step limit.
const rangeMaxSamples = 5_000_000

// StepByStep is a rule evaluated at every step rather than over the whole
// range, and why. An empty Rule is the whole test group.
type StepByStep struct {
	Rule      string `json:"rule,omitempty"`
	RuleGroup string `json:"rule_group,omitempty"`
	Reason    string `json:"reason"`
}

// node is a rule in promtool's order of evaluation.
type node struct {
	rule  promrules.Rule
	group int // index in the session's groups
	reads []int
	// why is set when the rule is evaluated step by step.
	why string
	// named is set for a recording rule that records a name of the input.
	named bool
	// queries is set for an alert whose template calls query: it runs
	// only for the samples of the alert's result, and reads the storage as
	// it is at that moment of the step, which a pass does not keep. Such an
	// alert that yields nothing at any step runs no template.
	queries bool
}

// plan is the passes of a test group: the pass of each rule, and whether
// its query is answered from a range result.
type plan struct {
	nodes  []*node
	pass   []int
	passes int
	// whole is set when the group must run step by step from the start.
	whole string
}

// planPasses works out the passes of the session's rules.
func (s *session) planPasses() *plan {
	p := &plan{}
	for gi, g := range s.groups {
		for _, r := range g.Rules() {
			p.nodes = append(p.nodes, &node{rule: r, group: gi})
		}
	}
	for _, g := range s.groups {
		if g.QueryOffset() != 0 {
			p.whole = fmt.Sprintf("rule group %s has a query offset", g.Name())
			return p
		}
	}
	inputNames := map[string]bool{}
	for _, in := range s.input {
		inputNames[in.Get(model.MetricNameLabel)] = true
	}

	byName := map[string][]int{} // recorded name or alert:NAME -> rules
	var alerts, all []int
	for i, n := range p.nodes {
		all = append(all, i)
		switch r := n.rule.(type) {
		case *promrules.RecordingRule:
			byName[r.Name()] = append(byName[r.Name()], i)
			n.named = inputNames[r.Name()]
		case *promrules.AlertingRule:
			byName["alert:"+r.Name()] = append(byName["alert:"+r.Name()], i)
			alerts = append(alerts, i)
		}
	}
	if len(alerts) > 0 && (inputNames["ALERTS"] || inputNames["ALERTS_FOR_STATE"]) {
		p.whole = "the input feeds ALERTS or ALERTS_FOR_STATE, which the alerting rules write step by step"
		return p
	}

	for _, n := range p.nodes {
		if ar, ok := n.rule.(*promrules.AlertingRule); ok && templatesQuery(ar.Name(), ar.Labels(), ar.Annotations()) {
			n.queries = true
		}
		reads, ahead := readsOf(n.rule.Query(), byName, alerts, all)
		if ahead != "" {
			p.whole = fmt.Sprintf("rule %s uses %s: step by step it sees only the input appended up to each step", n.rule.Name(), ahead)
			return p
		}
		n.reads = reads
		if hasSubquery(n.rule.Query()) {
			n.why = "a subquery: its samples at each step are not known before it runs"
		}
	}

	// Rules that must share a pass: a rule and a rule it reads at the step
	// before (a later one, or itself), and rules that may write the same
	// series, whose appends must keep their order.
	uf := newUnionFind(len(p.nodes))
	for i, n := range p.nodes {
		for _, x := range n.reads {
			if x >= i {
				uf.union(i, x)
				if n.why == "" {
					if x == i {
						n.why = "reads its own output"
					} else {
						n.why = fmt.Sprintf("reads %s, evaluated after it at each step, so that it sees the value of the step before", p.nodes[x].rule.Name())
					}
				}
			}
		}
	}
	for _, same := range byName {
		for _, x := range same[1:] {
			uf.union(same[0], x)
		}
	}
	// Components, then the cycles between them merged, then levels.
	members := map[int][]int{}
	for i := range p.nodes {
		members[uf.find(i)] = append(members[uf.find(i)], i)
	}
	readers := make([][]int, len(p.nodes))
	for i, n := range p.nodes {
		for _, x := range n.reads {
			readers[x] = append(readers[x], i)
		}
	}
	comp := sccs(len(p.nodes), func(v int, visit func(int)) {
		for _, w := range members[uf.find(v)] {
			if w != v {
				visit(w)
			}
		}
		for _, r := range readers[v] {
			visit(r)
		}
	})
	// sccs numbers components in reverse topological order: the rules
	// read come after their readers. A component's level is one more
	// than that of any other component its rules read.
	byComp := map[int][]int{}
	ncomp := 0
	for v, c := range comp {
		byComp[c] = append(byComp[c], v)
		ncomp = max(ncomp, c+1)
	}
	compLevel := make([]int, ncomp)
	for c := ncomp - 1; c >= 0; c-- {
		for _, v := range byComp[c] {
			for _, x := range p.nodes[v].reads {
				if comp[x] != c {
					compLevel[c] = max(compLevel[c], compLevel[comp[x]]+1)
				}
			}
		}
	}
	level := make([]int, len(p.nodes))
	for v := range level {
		level[v] = compLevel[comp[v]]
	}
	p.pass = level
	for i, n := range p.nodes {
		p.passes = max(p.passes, level[i]+1)
		if n.why != "" {
			continue
		}
		for _, x := range n.reads {
			if comp[x] == comp[i] {
				n.why = fmt.Sprintf("reads %s, which shares its pass", p.nodes[x].rule.Name())
				break
			}
		}
	}
	return p
}

// readsOf returns the rules an expression reads, and what reads ahead of
// the evaluation time ("" if nothing does). A selector without a fixed
// name, and info(), may read any rule's output.
func readsOf(e parser.Expr, byName map[string][]int, alerts, all []int) ([]int, string) {
	var reads []int
	ahead := ""
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			if n.Timestamp != nil || n.StartOrEnd != 0 {
				ahead = "the @ modifier"
			}
			if n.OriginalOffset < 0 || n.OriginalOffsetExpr != nil {
				ahead = "a negative or computed offset"
			}
			name, fixed := fixedName(n)
			switch {
			case !fixed:
				reads = append(reads, all...)
			case name == "ALERTS" || name == "ALERTS_FOR_STATE":
				alertname := ""
				for _, m := range n.LabelMatchers {
					if m.Name == labels.AlertName && m.Type == labels.MatchEqual {
						alertname = m.Value
					}
				}
				if alertname == "" {
					reads = append(reads, alerts...)
				} else {
					reads = append(reads, byName["alert:"+alertname]...)
				}
			default:
				reads = append(reads, byName[name]...)
			}
		case *parser.SubqueryExpr:
			if n.Timestamp != nil || n.StartOrEnd != 0 {
				ahead = "the @ modifier"
			}
			if n.OriginalOffset < 0 || n.OriginalOffsetExpr != nil {
				ahead = "a negative or computed offset"
			}
		case *parser.Call:
			if n.Func != nil && n.Func.Name == "info" {
				reads = append(reads, all...)
			}
		}
		return nil
	})
	slices.Sort(reads)
	return slices.Compact(reads), ahead
}

func hasSubquery(e parser.Expr) bool {
	found := false
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if _, ok := n.(*parser.SubqueryExpr); ok {
			found = true
		}
		return nil
	})
	return found
}

// runPasses evaluates the group in passes. It returns false, with the
// reason in the report, when the group must run step by step instead.
func (j *groupJob) runPasses(c *config) ([]*Failure, bool) {
	fallback := func(reason string) ([]*Failure, bool) {
		j.report.StepByStep = []StepByStep{{Reason: reason}}
		return nil, false
	}
	s, fails, ok := j.newSession(c, true, true)
	if !ok {
		if s == nil && fails == nil {
			return fallback("the input series do not parse; the group ran step by step, for promtool's message")
		}
		return fails, true
	}
	defer s.close()
	p := s.planPasses()
	if p.whole != "" {
		return fallback(p.whole)
	}
	var appendErr error
	s.suite.WithSamplesTill(s.maxt, func(err error) { appendErr = err })
	if appendErr != nil {
		return fallback("the input series could not be appended at once; the group ran step by step, for promtool's message")
	}

	got := map[model.Duration]map[string][]alertSample{}
	engine := j.file.rangeEngine(c)
	ctx := s.suite.Context()
	for pass := range p.passes {
		// The rules of this pass in promtool's order, and those whose
		// queries come from a range result.
		var rules []*passRule
		var alerts []*replayAlert
		queries := map[string]int{}
		for i, n := range p.nodes {
			if p.pass[i] != pass {
				continue
			}
			limit := s.groups[n.group].Limit()
			var r replayed
			switch rule := n.rule.(type) {
			case *promrules.RecordingRule:
				r = &replayRecord{rule: rule, qs: rule.Query().String(), labels: rule.Labels(), limit: limit}
			case *promrules.AlertingRule:
				a := newReplayAlert(rule, j.group, limit)
				alerts = append(alerts, a)
				r = a
			default:
				return fallback(fmt.Sprintf("rule %s is of an unknown kind", n.rule.Name()))
			}
			rules = append(rules, &passRule{replayed: r})
			queries[n.rule.Query().String()]++
		}
		s.cache = map[string]*rangeResult{}
		held := 0
		for i, n := range p.nodes {
			if p.pass[i] != pass || n.why != "" {
				continue
			}
			qs := n.rule.Query().String()
			if queries[qs] > 1 {
				n.why = "another rule of its pass has the same expression"
				continue
			}
			if held >= rangeMaxSamples {
				n.why = fmt.Sprintf("the range results of its pass hold %d samples already", held)
				continue
			}
			r, why, err := s.evalRange(engine, n.rule.Query(), qs, 0)
			if err != nil {
				return fallback(fmt.Sprintf("rule %s failed to evaluate over the range (%v); the group ran step by step, for promtool's message", n.rule.Name(), err))
			}
			if why != "" {
				n.why = why
				continue
			}
			if n.queries && r.points() > 0 {
				return fallback(queryTemplateReason(n))
			}
			if n.named && s.writesInput(n.rule.(*promrules.RecordingRule), r) {
				return fallback(fmt.Sprintf("rule %s writes a series of the input: promtool appends the input step by step, and the order of the two matters", n.rule.Name()))
			}
			held += r.points()
			s.cache[qs] = r
		}

		for i, n := range p.nodes {
			if p.pass[i] == pass && n.queries && n.why != "" {
				return fallback(queryTemplateReason(n) + " (it is evaluated step by step: " + n.why + ")")
			}
			if p.pass[i] == pass && n.named && n.why != "" {
				return fallback(fmt.Sprintf("rule %s records a name of the input and is evaluated step by step (%s): what it writes is not known before it runs", n.rule.Name(), n.why))
			}
		}

		curr := 0
		for ts := s.mint; !ts.After(s.maxt); ts = ts.Add(j.file.evalInterval) {
			if err := evalStep(ctx, s.suite.Storage(), rules, ts, s.query); err != nil {
				return fallback(fmt.Sprintf("%v; the group ran step by step, for promtool's message", err))
			}
			var first int
			first, curr = s.stepAt(ts, curr)
			for _, t := range s.evalTimes[first:curr] {
				if got[t] == nil {
					got[t] = map[string][]alertSample{}
				}
				for _, a := range alerts {
					if s.alertNames[t][a.name()] {
						got[t][a.name()] = append(got[t][a.name()], a.firing(ctx, s.query)...)
					}
				}
			}
		}
	}
	s.cache = nil
	for _, t := range s.evalTimes {
		fails = append(fails, s.compareAlerts(t, got[t])...)
	}
	fails = append(fails, s.checkExprs()...)
	for _, n := range p.nodes {
		if n.why != "" {
			j.report.StepByStep = append(j.report.StepByStep, StepByStep{Rule: n.rule.Name(), RuleGroup: s.groups[n.group].Name(), Reason: n.why})
		}
	}
	j.report.Ranged = len(p.nodes) - len(j.report.StepByStep)
	return fails, true
}

// queryTemplateReason is why a group whose alert has a template calling
// query, and yields samples, runs step by step.
func queryTemplateReason(n *node) string {
	return fmt.Sprintf("alert %s has a template that calls query, which reads the storage as it is at that moment of the step", n.rule.Name())
}

// writesInput reports whether a recording rule writes, at some step, a
// series of the input: the label sets of its range result, named and
// labelled as the rule writes them.
func (s *session) writesInput(r *promrules.RecordingRule, res *rangeResult) bool {
	in := make(map[string]bool, len(s.input))
	for _, l := range s.input {
		in[string(l.Bytes(nil))] = true
	}
	lb := labels.NewBuilder(labels.EmptyLabels())
	for _, ser := range res.series {
		lb.Reset(ser.Metric)
		lb.Set(labels.MetricName, r.Name())
		r.Labels().Range(func(l labels.Label) { lb.Set(l.Name, l.Value) })
		if in[string(lb.Labels().Bytes(nil))] {
			return true
		}
	}
	return false
}

// rangeResult is an expression's value at every step of a range, as the
// engine returned it: series by series, each with a cursor on the next
// point, since the rules manager asks for the steps in order.
type rangeResult struct {
	series promql.Matrix
	next   []int
}

// at returns the vector at t: a fresh one, since the rules manager writes
// into what it gets.
func (r *rangeResult) at(t time.Time) (promql.Vector, bool) {
	ms := t.UnixMilli()
	var v promql.Vector
	for i, s := range r.series {
		if s.Histograms != nil {
			for r.next[i] > 0 && s.Histograms[r.next[i]-1].T >= ms {
				r.next[i]-- // asked again for an earlier time
			}
			for r.next[i] < len(s.Histograms) && s.Histograms[r.next[i]].T < ms {
				r.next[i]++
			}
			if r.next[i] < len(s.Histograms) && s.Histograms[r.next[i]].T == ms {
				v = append(v, promql.Sample{Metric: s.Metric, T: ms, H: s.Histograms[r.next[i]].H})
				continue
			}
		}
		for r.next[i] > 0 && r.next[i] <= len(s.Floats) && s.Floats[r.next[i]-1].T >= ms {
			r.next[i]--
		}
		for r.next[i] < len(s.Floats) && s.Floats[r.next[i]].T < ms {
			r.next[i]++
		}
		if r.next[i] < len(s.Floats) && s.Floats[r.next[i]].T == ms {
			v = append(v, promql.Sample{Metric: s.Metric, T: ms, F: s.Floats[r.next[i]].F})
		}
	}
	return v, true
}

// points is the number of points a range result holds.
func (r *rangeResult) points() int {
	n := 0
	for _, s := range r.series {
		n += len(s.Floats) + len(s.Histograms)
	}
	return n
}

// evalRange evaluates a rule's expression at every step of the group, as
// the rules manager would query it (its group's query offset applied). It
// returns why the rule must be evaluated step by step instead, if it must,
// and the engine's error if the expression fails.
func (s *session) evalRange(engine *promql.Engine, e parser.Expr, qs string, offset time.Duration) (*rangeResult, string, error) {
	interval := s.j.file.evalInterval
	start, end := s.mint.Add(-offset), s.maxt.Add(-offset)
	ctx := context.Background()
	q, err := engine.NewRangeQuery(ctx, s.suite.Queryable(), promql.NewPrometheusQueryOpts(true, 0, nil), qs, start, end, interval)
	if err != nil {
		return nil, "", err
	}
	defer q.Close()
	res := q.Exec(ctx)
	if res.Err != nil {
		if errors.As(res.Err, new(promql.ErrTooManySamples)) {
			return nil, fmt.Sprintf("over the whole range it would hold more than %d samples", rangeMaxSamples), nil
		}
		return nil, "", res.Err
	}
	// The engine's limit applies to each step's instant query. The range
	// query holds at its peak at least what any one step holds (it holds
	// every step's results): under the limit, no step can reach it.
	// Over it, each step's samples read, times the nodes that can hold
	// them, bound what that step holds; a step that may come near the
	// limit is left to the engine.
	if st := q.Stats(); st != nil && st.Samples != nil && st.Samples.PeakSamples >= maxSamples {
		nodes := countNodes(e) + 1
		for _, n := range st.Samples.TotalSamplesPerStep {
			if int(n)*nodes >= maxSamples {
				return nil, "at some step it reads enough samples to come near the engine's limit of 10,000", nil
			}
		}
	}
	m, ok := res.Value.(promql.Matrix)
	if !ok {
		return nil, "", fmt.Errorf("rule result is not a vector or scalar")
	}
	// Closing the query gives its points back to the engine's pools.
	kept := make(promql.Matrix, len(m))
	for i, ser := range m {
		kept[i] = promql.Series{Metric: ser.Metric, Floats: slices.Clone(ser.Floats), Histograms: slices.Clone(ser.Histograms)}
		for j := range kept[i].Histograms {
			kept[i].Histograms[j].H = kept[i].Histograms[j].H.Copy()
		}
	}
	return &rangeResult{series: kept, next: make([]int, len(m))}, "", nil
}

// unionFind groups rules that must share a pass.
type unionFind struct{ parent []int }

func newUnionFind(n int) *unionFind {
	u := &unionFind{parent: make([]int, n)}
	for i := range u.parent {
		u.parent[i] = i
	}
	return u
}

func (u *unionFind) find(x int) int {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

func (u *unionFind) union(a, b int) { u.parent[u.find(a)] = u.find(b) }

// sccs returns the strongly connected component of every vertex of a
// graph (Tarjan), numbered in reverse topological order.
func sccs(n int, edges func(v int, visit func(int))) []int {
	index := make([]int, n)
	low := make([]int, n)
	comp := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	next, ncomp := 0, 0
	var strong func(v int)
	strong = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		edges(v, func(w int) {
			if index[w] < 0 {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		})
		if low[v] == index[v] {
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp[w] = ncomp
				if w == v {
					break
				}
			}
			ncomp++
		}
	}
	for v := range n {
		if index[v] < 0 {
			strong(v)
		}
	}
	return comp
}
