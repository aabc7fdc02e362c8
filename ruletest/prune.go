package ruletest

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/schema"

	"github.com/oomguard/oomguard/rules"
)

// A test group's verdict depends on the rules its assertions read (the
// alerts of alert_rule_test, the series of promql_expr_test, and the rules
// those read in turn), and on one thing more: promtool fails the group if
// any rule fails to evaluate at any step. Evaluating every rule at every
// step is most of the work of a test, and most rules of a rule file are
// read by no assertion of a given group.
//
// prune keeps the rules a group's verdict can depend on. A rule no
// assertion reads is left out only when it provably cannot fail to
// evaluate on this group's input: it reads input series only, by name;
// the label sets its expression can produce (a superset, worked out from
// the input series) leave no room for the engine's matching and duplicate
// errors, nor for the rules manager's duplicate check after the rule's
// labels are applied; and the samples it can hold stay under the engine's
// limit. Anything else, and anything this analysis does not know, keeps
// the rule. --exhaustive turns it off.

// maxSamples is the sample limit of promtool's (and promqltest's) engine.
const maxSamples = 10000

// ruleRef is a rule of a prepared file, with its place in the loader.
type ruleRef struct {
	file         *ruleFile
	id           string
	group, index int
	rule         *rules.Rule
	grp          *rules.Group
}

// pruneInfo is what prune needs of a test group.
type pruneInfo struct {
	input []labels.Labels
	// inputKeys are the input's label sets, made when first needed.
	inputKeys map[string]bool
	// recorders are the recording rules by the name they record, alerts
	// the alerting rules by name; outputs caches the label sets each rule
	// can write.
	recorders map[string][]*rules.Rule
	alerts    map[string][]*rules.Rule
	outputs   map[*rules.Rule]output
	visiting  map[*rules.Rule]bool
	// interval is the spacing of the input samples; subqueries without a
	// step use evalInterval.
	interval, evalInterval time.Duration
}

// prune returns the loader's groups with only the rules the group needs,
// and the number of rules left out; nil to keep everything. input is the
// group's input series, as parseInput read them.
func prune(pf *preparedFile, tg testGroup, input []inputSeries, p parser.Parser) (map[string]*rulefmt.RuleGroups, int) {
	info := &pruneInfo{interval: time.Duration(tg.Interval), evalInterval: pf.evalInterval,
		recorders: map[string][]*rules.Rule{}, alerts: map[string][]*rules.Rule{},
		outputs: map[*rules.Rule]output{}, visiting: map[*rules.Rule]bool{}}
	if info.interval <= 0 {
		return nil, 0
	}
	if input == nil && len(tg.InputSeries) > 0 {
		return nil, 0 // not read: promqltest refuses it
	}
	for _, in := range input {
		for _, r := range in.runs {
			for _, v := range r.values {
				if v.Histogram != nil {
					return nil, 0 // histogram samples weigh more against the limit
				}
			}
		}
		info.input = append(info.input, in.labels)
	}

	var all []ruleRef
	produced := map[string][]int{} // metric name -> rules writing it
	var alerting []int
	var queriers []*rules.Rule
	for _, rf := range pf.ruleFiles {
		if rf.model == nil || len(rf.model.Docs) != len(rf.ids) {
			return nil, 0
		}
		for d, doc := range rf.model.Docs {
			for gi, g := range doc.Groups {
				for ri, r := range g.Rules {
					if r.Parsed == nil {
						return nil, 0
					}
					i := len(all)
					all = append(all, ruleRef{file: rf, id: rf.ids[d], group: gi, index: ri, rule: r, grp: g})
					if r.Record.Value != "" {
						produced[r.Record.Value] = append(produced[r.Record.Value], i)
						info.recorders[r.Record.Value] = append(info.recorders[r.Record.Value], r)
					} else {
						alerting = append(alerting, i)
						info.alerts[r.Alert.Value] = append(info.alerts[r.Alert.Value], r)
						if ruleTemplatesQuery(r) {
							queriers = append(queriers, r)
						}
					}
				}
			}
		}
	}
	// An alert's template that calls query may read any rule's output. It
	// runs only for the samples the alert's expression yields: an alert
	// that provably yields none on this input runs no template.
	for _, r := range queriers {
		if out := info.output(r); !out.known || len(out.sets) > 0 {
			return nil, 0
		}
	}
	alerting = slices.Clip(alerting)
	produced[labels.AlertName] = nil // not a metric name
	produced["ALERTS"] = alerting
	produced["ALERTS_FOR_STATE"] = alerting

	needed := make([]bool, len(all))
	var queue []int
	need := func(i int) {
		if !needed[i] {
			needed[i] = true
			queue = append(queue, i)
		}
	}
	// reads marks the rules whose output e reads; false when e reads
	// series it cannot name.
	reads := func(e parser.Expr) bool {
		ok := true
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			if vs, isVS := n.(*parser.VectorSelector); isVS {
				name, fixed := fixedName(vs)
				if !fixed {
					ok = false
				}
				for _, i := range produced[name] {
					need(i)
				}
			}
			return nil
		})
		return ok
	}
	for _, at := range tg.AlertRuleTests {
		for _, i := range alerting {
			if all[i].rule.Alert.Value == at.Alertname {
				need(i)
			}
		}
	}
	for _, pt := range tg.PromqlExprTests {
		e, err := p.ParseExpr(pt.Expr)
		if err != nil || !reads(e) {
			return nil, 0
		}
	}
	closure := func() bool {
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			if !reads(all[i].rule.Parsed) {
				return false
			}
		}
		return true
	}
	if !closure() {
		return nil, 0
	}
	// A rule nothing reads is left out only when it cannot fail; the rules
	// one that may fail reads are kept with it, so that it sees the same
	// series as when every rule runs.
	for i, r := range all {
		if !needed[i] && !info.cannotFail(r) {
			need(i)
		}
	}
	if !closure() {
		return nil, 0
	}
	kept := 0
	for i := range all {
		if needed[i] {
			kept++
		}
	}
	if kept == len(all) {
		return nil, 0
	}
	out := map[string]*rulefmt.RuleGroups{}
	for _, rf := range pf.ruleFiles {
		for _, id := range rf.ids {
			src := rf.groups[id]
			cp := &rulefmt.RuleGroups{Groups: make([]rulefmt.RuleGroup, len(src.Groups))}
			for gi, g := range src.Groups {
				cp.Groups[gi] = g
				cp.Groups[gi].Rules = nil
			}
			out[id] = cp
		}
	}
	for i, r := range all {
		if needed[i] {
			g := &out[r.id].Groups[r.group]
			g.Rules = append(g.Rules, r.file.groups[r.id].Groups[r.group].Rules[r.index])
		}
	}
	return out, len(all) - kept
}

// ruleTemplatesQuery reports whether a rule's labels or annotations may
// call the query template function.
func ruleTemplatesQuery(r *rules.Rule) bool {
	for _, m := range []rules.Map{r.Labels, r.Annotations} {
		for _, p := range m {
			if callsQuery(r.Alert.Value, p.Value.Value) {
				return true
			}
		}
	}
	return false
}

// fixedName returns the metric name a selector selects by equality.
func fixedName(vs *parser.VectorSelector) (string, bool) {
	if vs.Name != "" {
		return vs.Name, true
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
			return m.Value, true
		}
	}
	return "", false
}

// cannotFail reports whether a rule is sure to evaluate without error at
// every step of the group.
func (info *pruneInfo) cannotFail(r ruleRef) bool {
	if r.grp.Limit.N > 0 {
		return false // the group's limit counts every rule's series
	}
	e := r.rule.Parsed
	samples := 0
	known := true
	parser.Inspect(e, func(n parser.Node, path []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		if _, ok := info.series(vs); !ok {
			known = false
			return nil
		}
		samples += info.sampleBound(vs, path)
		return nil
	})
	// Each node holds at most what its inputs held: the sum over the
	// selectors, times the nodes above them, bounds what is in memory.
	if !known || samples*(countNodes(e)+1) >= maxSamples {
		return false
	}
	out := info.output(r.rule)
	return out.known && !info.mayCollide(r.rule, out.sets)
}

// output is what a rule can write: label sets after the rule's labels (for
// an alert, those of its ALERTS series but the name and alertstate).
// known is false when that cannot be worked out, or when one evaluation
// could write two series of one label set (the rules manager fails it);
// known with no sets, when it writes nothing.
type output struct {
	sets  []labels.Labels
	known bool
}

func (info *pruneInfo) output(r *rules.Rule) output {
	if out, ok := info.outputs[r]; ok {
		return out
	}
	if info.visiting[r] {
		return output{} // a rule reading its own output
	}
	info.visiting[r] = true
	defer func() { info.visiting[r] = false }()
	var out output
	if s, ok := info.possible(r.Parsed); ok {
		if s.scalar {
			// The rules manager records a scalar as one series
			// without labels.
			s.sets = []labels.Labels{labels.EmptyLabels()}
		}
		if w, ok := withRuleLabels(r, s.sets); ok && !hasDuplicates(w) {
			out = output{sets: w, known: true}
		}
	}
	info.outputs[r] = out
	return out
}

// mayCollide reports whether a rule may write a series that something else
// writes at the same time: the storage refuses a second sample of another
// value, and the rules manager makes that the rule's error. Input series are
// known exactly; other rules of the same name by what they can write.
func (info *pruneInfo) mayCollide(r *rules.Rule, sets []labels.Labels) bool {
	if r.IsAlert() {
		// ALERTS and ALERTS_FOR_STATE, by alertname.
		for _, l := range info.input {
			if n := l.Get(model.MetricNameLabel); (n == "ALERTS" || n == "ALERTS_FOR_STATE") && l.Get(labels.AlertName) == r.Alert.Value {
				return true
			}
		}
	} else {
		if info.inputKeys == nil {
			info.inputKeys = make(map[string]bool, len(info.input))
			for _, l := range info.input {
				info.inputKeys[string(l.Bytes(nil))] = true
			}
		}
		for _, l := range sets {
			if info.inputKeys[string(l.Bytes(nil))] {
				return true
			}
		}
	}
	same := info.recorders[r.Record.Value]
	if r.IsAlert() {
		same = info.alerts[r.Alert.Value]
	}
	if len(same) < 2 {
		return false
	}
	mine := make(map[string]bool, len(sets))
	for _, l := range sets {
		mine[string(l.Bytes(nil))] = true
	}
	for _, o := range same {
		if o == r {
			continue
		}
		out := info.output(o)
		if !out.known {
			return true
		}
		for _, l := range out.sets {
			if mine[string(l.Bytes(nil))] {
				return true
			}
		}
	}
	return false
}

// withRuleLabels returns the label sets a rule writes for results of
// label sets in: the recorded name or the alert name, and the rule's
// labels; false when a label is a template, which varies with the sample.
func withRuleLabels(r *rules.Rule, in []labels.Labels) ([]labels.Labels, bool) {
	var sets []labels.Labels
	for _, l := range in {
		b := labels.NewBuilder(l)
		if r.Record.Value != "" {
			b.Set(model.MetricNameLabel, r.Record.Value)
		} else {
			b.Del(model.MetricNameLabel)
			b.Set(labels.AlertName, r.Alert.Value)
		}
		for _, p := range r.Labels {
			if strings.Contains(p.Value.Value, "{{") {
				return nil, false
			}
			b.Set(p.Key.Value, p.Value.Value)
		}
		sets = append(sets, b.Labels())
	}
	return sets, true
}

// series returns a superset of the series a selector can select: input
// series and what recording rules can write, false when that is not
// known (no fixed name, ALERTS, a recording rule that cannot be worked
// out).
func (info *pruneInfo) series(vs *parser.VectorSelector) ([]labels.Labels, bool) {
	name, fixed := fixedName(vs)
	if !fixed || name == "ALERTS" || name == "ALERTS_FOR_STATE" {
		return nil, false
	}
	var pool []labels.Labels
	for _, r := range info.recorders[name] {
		out := info.output(r)
		if !out.known {
			return nil, false
		}
		pool = append(pool, out.sets...)
	}
	var out []labels.Labels
	for _, l := range append(slices.Clip(info.input), pool...) {
		if matches(vs.LabelMatchers, l) {
			out = append(out, l)
		}
	}
	return out, true
}

// sampleBound bounds the samples a selector can load at one evaluation:
// one per matching input series, or for a range, one per scrape interval
// of the range, and as many times over as enclosing subqueries have steps.
func (info *pruneInfo) sampleBound(vs *parser.VectorSelector, path []parser.Node) int {
	sets, _ := info.series(vs)
	n := len(sets)
	per := 1
	mult := 1
	for i := len(path) - 1; i >= 0; i-- {
		switch p := path[i].(type) {
		case *parser.MatrixSelector:
			if p.RangeExpr != nil {
				return maxSamples
			}
			per = int(p.Range/info.interval) + 2
		case *parser.SubqueryExpr:
			if p.RangeExpr != nil || p.StepExpr != nil {
				return maxSamples
			}
			step := p.Step
			if step <= 0 {
				step = info.evalInterval
			}
			if step <= 0 {
				return maxSamples
			}
			mult *= int(p.Range/step) + 2
		}
	}
	return n * per * mult
}

func matches(ms []*labels.Matcher, l labels.Labels) bool {
	for _, m := range ms {
		if !m.Matches(l.Get(m.Name)) {
			return false
		}
	}
	return true
}

func countNodes(e parser.Expr) int {
	n := 0
	parser.Inspect(e, func(parser.Node, []parser.Node) error { n++; return nil })
	return n
}

// shape is what possible knows of an expression's result: a scalar or
// string, or a vector whose series have label sets among sets.
type shape struct {
	scalar bool
	sets   []labels.Labels
}

// possible returns a superset of the label sets e can return, or false
// when a step of it could fail (a match that is not unique, two series of
// one label set) or it does not know the node.
func (info *pruneInfo) possible(e parser.Expr) (shape, bool) {
	switch n := e.(type) {
	case *parser.NumberLiteral, *parser.StringLiteral:
		return shape{scalar: true}, true
	case *parser.ParenExpr:
		return info.possible(n.Expr)
	case *parser.StepInvariantExpr:
		return info.possible(n.Expr)
	case *parser.VectorSelector:
		sets, ok := info.series(n)
		return shape{sets: sets}, ok && !hasDuplicates(sets)
	case *parser.MatrixSelector:
		return info.possible(n.VectorSelector)
	case *parser.SubqueryExpr:
		return info.possible(n.Expr)
	case *parser.UnaryExpr:
		s, ok := info.possible(n.Expr)
		if !ok || s.scalar {
			return s, ok
		}
		return dropName(s)
	case *parser.Call:
		return info.possibleCall(n)
	case *parser.AggregateExpr:
		return info.possibleAggregate(n)
	case *parser.BinaryExpr:
		return info.possibleBinary(n)
	}
	return shape{}, false
}

// dropName removes the metric name, failing if that makes two series one.
func dropName(s shape) (shape, bool) {
	out := make([]labels.Labels, len(s.sets))
	for i, l := range s.sets {
		out[i] = l.DropReserved(func(n string) bool { return n == model.MetricNameLabel })
	}
	return shape{sets: out}, !hasDuplicates(out)
}

// Functions whose result is not the labels of their argument minus the
// name, and that possibleCall does not work out either; possible gives up
// on them.
var unknownCalls = map[string]bool{
	"info": true, "histogram_fraction": true,
}

func (info *pruneInfo) possibleCall(n *parser.Call) (shape, bool) {
	if n.Func == nil || unknownCalls[n.Func.Name] {
		return shape{}, false
	}
	switch n.Func.Name {
	case "vector":
		if _, ok := info.possible(n.Args[0]); !ok {
			return shape{}, false
		}
		return shape{sets: []labels.Labels{labels.EmptyLabels()}}, true
	case "absent", "absent_over_time":
		// At most one series, of the selector's equality labels, as the
		// engine makes it.
		if _, ok := info.possible(n.Args[0]); !ok {
			return shape{}, false
		}
		return shape{sets: []labels.Labels{absentLabels(n.Args[0])}}, true
	case "label_replace", "label_join":
		return info.possibleLabelCall(n)
	case "sort_by_label", "sort_by_label_desc":
		// The argument's series, sorted.
		for _, a := range n.Args[1:] {
			if _, ok := info.possible(a); !ok {
				return shape{}, false
			}
		}
		return info.possible(n.Args[0])
	case "histogram_quantile":
		// Classic buckets grouped by their labels but le, the name dropped
		// (native histograms keep possible from being asked).
		if _, ok := info.possible(n.Args[0]); !ok {
			return shape{}, false
		}
		in, ok := info.possible(n.Args[1])
		if !ok || in.scalar {
			return shape{}, false
		}
		var out []labels.Labels
		for _, l := range in.sets {
			if l.Has(model.BucketLabel) {
				out = append(out, l.DropReserved(func(n string) bool { return n == model.MetricNameLabel || n == model.BucketLabel }))
			}
		}
		return shape{sets: dedupe(out)}, true
	}
	if n.Func.ReturnType == parser.ValueTypeScalar || n.Func.ReturnType == parser.ValueTypeString {
		for _, a := range n.Args {
			if _, ok := info.possible(a); !ok {
				return shape{}, false
			}
		}
		return shape{scalar: true}, true
	}
	var arg *shape
	for _, a := range n.Args {
		s, ok := info.possible(a)
		if !ok {
			return shape{}, false
		}
		if !s.scalar && arg == nil {
			arg = &s
		}
	}
	if arg == nil {
		return shape{sets: []labels.Labels{labels.EmptyLabels()}}, true // time-based, like time() as a vector
	}
	// Most functions drop the name; those that keep it can only make
	// fewer duplicates, so dropping it is the safe guess.
	return dropName(*arg)
}

// absentLabels are the labels absent gives its series: the equality
// matchers of its selector, but the name and a label matched twice.
func absentLabels(e parser.Expr) labels.Labels {
	if ms, ok := e.(*parser.MatrixSelector); ok {
		e = ms.VectorSelector
	}
	vs, ok := e.(*parser.VectorSelector)
	if !ok {
		return labels.EmptyLabels()
	}
	b := labels.NewBuilder(labels.EmptyLabels())
	has := map[string]bool{}
	for _, m := range vs.LabelMatchers {
		if schema.IsMetadataLabel(m.Name) {
			continue
		}
		if m.Type == labels.MatchEqual && !has[m.Name] {
			b.Set(m.Name, m.Value)
			has[m.Name] = true
		} else {
			b.Del(m.Name)
		}
	}
	return b.Labels()
}

// possibleLabelCall works out label_replace and label_join exactly, label
// set by label set: false when an argument would make the engine fail (an
// invalid regular expression or label name), or when two series come out
// with one label set, which fails unless their samples never overlap.
func (info *pruneInfo) possibleLabelCall(n *parser.Call) (shape, bool) {
	in, ok := info.possible(n.Args[0])
	if !ok || in.scalar {
		return shape{}, false
	}
	args := make([]string, len(n.Args)-1)
	for i, a := range n.Args[1:] {
		s, ok := stringArg(a)
		if !ok {
			return shape{}, false
		}
		args[i] = s
	}
	valid := model.UTF8Validation.IsValidLabelName
	if !valid(args[0]) {
		return shape{}, false
	}
	out := make([]labels.Labels, 0, len(in.sets))
	if n.Func.Name == "label_replace" {
		repl, src := args[1], args[2]
		re, err := regexp.Compile("^(?s:" + args[3] + ")$")
		if err != nil {
			return shape{}, false
		}
		for _, l := range in.sets {
			v := l.Get(src)
			if idx := re.FindStringSubmatchIndex(v); idx != nil {
				b := labels.NewBuilder(l)
				b.Set(args[0], string(re.ExpandString(nil, repl, v, idx)))
				l = b.Labels()
			}
			out = append(out, l)
		}
	} else {
		sep, srcs := args[1], args[2:]
		for _, src := range srcs {
			if !valid(src) {
				return shape{}, false
			}
		}
		vals := make([]string, len(srcs))
		for _, l := range in.sets {
			for i, src := range srcs {
				vals[i] = l.Get(src)
			}
			b := labels.NewBuilder(l)
			b.Set(args[0], strings.Join(vals, sep))
			out = append(out, b.Labels())
		}
	}
	return shape{sets: out}, !hasDuplicates(out)
}

// numberArg returns the value of a number argument written as a literal.
func numberArg(e parser.Expr) (float64, bool) {
	switch n := e.(type) {
	case *parser.NumberLiteral:
		return n.Val, true
	case *parser.ParenExpr:
		return numberArg(n.Expr)
	case *parser.StepInvariantExpr:
		return numberArg(n.Expr)
	case *parser.UnaryExpr:
		v, ok := numberArg(n.Expr)
		if n.Op == parser.SUB {
			v = -v
		}
		return v, ok
	}
	return 0, false
}

// stringArg returns the value of a string argument written as a literal.
func stringArg(e parser.Expr) (string, bool) {
	switch n := e.(type) {
	case *parser.StringLiteral:
		return n.Val, true
	case *parser.ParenExpr:
		return stringArg(n.Expr)
	case *parser.StepInvariantExpr:
		return stringArg(n.Expr)
	}
	return "", false
}

func (info *pruneInfo) possibleAggregate(n *parser.AggregateExpr) (shape, bool) {
	if n.Param != nil {
		if _, ok := info.possible(n.Param); !ok {
			return shape{}, false
		}
	}
	in, ok := info.possible(n.Expr)
	if !ok || in.scalar {
		return shape{}, false
	}
	switch n.Op {
	case parser.TOPK, parser.BOTTOMK, parser.LIMITK, parser.LIMIT_RATIO:
		// The engine fails on a NaN parameter, and on a count out of
		// int64's range, whatever the input: only a literal is sure.
		k, ok := numberArg(n.Param)
		if !ok || math.IsNaN(k) || (n.Op != parser.LIMIT_RATIO && (k <= math.MinInt64 || k >= math.MaxInt64)) {
			return shape{}, false
		}
		return in, true
	case parser.COUNT_VALUES:
		return shape{}, false
	}
	var out []labels.Labels
	for _, l := range in.sets {
		b := labels.NewBuilder(l)
		if n.Without {
			b.Del(model.MetricNameLabel)
			b.Del(n.Grouping...)
		} else {
			b.Keep(n.Grouping...)
		}
		out = append(out, b.Labels())
	}
	return shape{sets: dedupe(out)}, true
}

func (info *pruneInfo) possibleBinary(n *parser.BinaryExpr) (shape, bool) {
	if n.VectorMatching != nil && (n.VectorMatching.FillValues.LHS != nil || n.VectorMatching.FillValues.RHS != nil) {
		return shape{}, false
	}
	l, ok := info.possible(n.LHS)
	if !ok {
		return shape{}, false
	}
	r, ok := info.possible(n.RHS)
	if !ok {
		return shape{}, false
	}
	keepName := n.Op.IsComparisonOperator() && !n.ReturnBool
	switch {
	case l.scalar && r.scalar:
		return shape{scalar: true}, true
	case l.scalar || r.scalar:
		v := l
		if l.scalar {
			v = r
		}
		if keepName {
			return v, true
		}
		return dropName(v)
	}
	vm := n.VectorMatching
	if vm == nil {
		return shape{}, false
	}
	sig := func(x labels.Labels) labels.Labels {
		b := labels.NewBuilder(x)
		if vm.On {
			b.Keep(vm.MatchingLabels...)
		} else {
			b.Del(model.MetricNameLabel)
			b.Del(vm.MatchingLabels...)
		}
		return b.Labels()
	}
	switch n.Op {
	case parser.LAND, parser.LUNLESS:
		return l, true
	case parser.LOR:
		return shape{sets: append(slices.Clone(l.sets), r.sets...)}, true
	}
	ls, rs := make([]labels.Labels, len(l.sets)), make([]labels.Labels, len(r.sets))
	for i, x := range l.sets {
		ls[i] = sig(x)
	}
	for i, x := range r.sets {
		rs[i] = sig(x)
	}
	// The "one" side must be unique by signature; one-to-one, both.
	switch vm.Card {
	case parser.CardOneToOne:
		if hasDuplicates(ls) || hasDuplicates(rs) {
			return shape{}, false
		}
	case parser.CardManyToOne:
		if hasDuplicates(rs) {
			return shape{}, false
		}
	case parser.CardOneToMany:
		if hasDuplicates(ls) {
			return shape{}, false
		}
	default:
		return shape{}, false
	}
	// The result has the labels of the "many" side (the left one-to-one),
	// with the included labels of the other, for every pair that matches.
	many, one, manySig, oneSig := l.sets, r.sets, ls, rs
	if vm.Card == parser.CardOneToMany {
		many, one, manySig, oneSig = r.sets, l.sets, rs, ls
	}
	var out []labels.Labels
	for i, m := range many {
		for j, o := range one {
			if !labels.Equal(manySig[i], oneSig[j]) {
				continue
			}
			b := labels.NewBuilder(m)
			if !keepName {
				b.Del(model.MetricNameLabel)
			}
			for _, name := range vm.Include {
				if v := o.Get(name); v != "" {
					b.Set(name, v)
				} else {
					b.Del(name)
				}
			}
			out = append(out, b.Labels())
		}
	}
	return shape{sets: out}, !hasDuplicates(out)
}

func hasDuplicates(sets []labels.Labels) bool {
	seen := make(map[string]bool, len(sets))
	for _, l := range sets {
		k := l.String()
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}

func dedupe(sets []labels.Labels) []labels.Labels {
	seen := make(map[string]bool, len(sets))
	var out []labels.Labels
	for _, l := range sets {
		k := l.String()
		if !seen[k] {
			seen[k] = true
			out = append(out, l)
		}
	}
	return out
}
