package checks

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
)

// IdentityRecordName wants recorded names of the form level:metric:operations
// to say what their expression computes.
var IdentityRecordName = &engine.Check{
	ID:       "identity/record-name",
	Title:    "A level:metric:operations name says what its expression computes",
	Severity: engine.Warning,
	Doc:      doc("identity/record-name"),
	Rule: func(c *engine.RuleContext) {
		if levelMetricOps.MatchString(c.Rule.Record.Value) && c.Rule.Parsed != nil {
			checkRecordClaims(c)
		}
	},
}

// levelMetricOps is a name read as level:metric:operations; the level may
// be empty (:node_memory_MemAvailable_bytes:sum).
var levelMetricOps = regexp.MustCompile(`^[a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$`)

// aggWords are the aggregations an operations part names. count is not
// one of them: names say count of what the series counts as often as of
// count() (cluster:telemetry_selected_series:count, job:up:count for
// sum(up)).
var aggWords = map[string]bool{"sum": true, "avg": true, "max": true, "min": true, "stddev": true, "stdvar": true}

// windowFuncs are the range functions an operations part names with a
// window (rate5m), besides the *_over_time functions.
var windowFuncs = map[string]bool{"rate": true, "irate": true, "increase": true, "delta": true, "idelta": true, "deriv": true, "changes": true, "resets": true}

// overTimeWords are the words before _over_time.
var overTimeWords = map[string]bool{"avg": true, "min": true, "max": true, "sum": true, "count": true, "stddev": true, "stdvar": true, "quantile": true, "last": true, "present": true, "absent": true, "mad": true}

// labelWords are label names a level is made of. workload is not one:
// names use it as often for a scope (OpenShift's workload:cpu_usage_cores:sum,
// the total of the workloads' pods) as for kube-prometheus's label.
var labelWords = map[string]bool{
	"cluster": true, "namespace": true, "pod": true, "container": true, "node": true, "instance": true, "job": true,
	"service": true, "endpoint": true, "deployment": true, "daemonset": true, "statefulset": true,
	"replicaset": true, "cronjob": true, "code": true, "verb": true, "resource": true, "subresource": true, "scope": true,
	"handler": true, "method": true, "route": true, "le": true, "device": true, "mountpoint": true, "fstype": true,
	"mode": true, "zone": true, "region": true,
}

// windowOp is an operation with a window: rate5m.
type windowOp struct {
	text string // as written: rate5m
	fn   string // rate
	win  time.Duration
}

// recordOps reads the operations part of a name: the aggregations it names,
// the functions with a window, and whether it says ratio.
func recordOps(ops string) (aggs []string, fns []windowOp, ratio bool) {
	w := strings.Split(ops, "_")
	for i := 0; i < len(w); i++ {
		switch {
		case w[i] == "per" || w[i] == "count" && i+1 < len(w) && w[i+1] == "values":
			i++ // per_min is a unit, count_values no count
		case overTimeWords[w[i]] && i+2 < len(w) && w[i+1] == "over" && strings.HasPrefix(w[i+2], "time"):
			if d, err := model.ParseDuration(strings.TrimPrefix(w[i+2], "time")); err == nil {
				fns = append(fns, windowOp{strings.Join(w[i:i+3], "_"), w[i] + "_over_time", time.Duration(d)})
			}
			i += 2
		case aggWords[w[i]]:
			aggs = append(aggs, w[i])
		case w[i] == "ratio":
			ratio = true
		default:
			// The function runs to the first digit: irate5m is irate over 5m.
			j := strings.IndexAny(w[i], "0123456789")
			if j <= 0 || !windowFuncs[w[i][:j]] {
				continue
			}
			if d, err := model.ParseDuration(w[i][j:]); err == nil && d > 0 {
				fns = append(fns, windowOp{w[i], w[i][:j], time.Duration(d)})
			}
		}
	}
	return aggs, fns, ratio
}

// outcome is an aggregation the result of an expression comes from, with
// the labels added above it.
type outcome struct {
	agg   *parser.AggregateExpr
	added []string
}

// outermostAggs returns the aggregations the series of an expression come
// from, looking through what keeps their labels and meaning, or nil.
func outermostAggs(e parser.Expr) []outcome {
	switch e := e.(type) {
	case *parser.ParenExpr:
		return outermostAggs(e.Expr)
	case *parser.StepInvariantExpr:
		return outermostAggs(e.Expr)
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.TOPK, parser.BOTTOMK, parser.LIMITK, parser.LIMIT_RATIO:
			return outermostAggs(e.Expr)
		}
		return []outcome{{agg: e}}
	case *parser.Call:
		switch e.Func.Name {
		case "label_replace", "label_join":
			if len(e.Args) < 2 {
				return nil
			}
			dst, ok := e.Args[1].(*parser.StringLiteral)
			if !ok {
				return nil
			}
			return addLabels(outermostAggs(e.Args[0]), dst.Val)
		case "abs", "ceil", "floor", "round", "clamp", "clamp_min", "clamp_max", "sqrt", "exp", "ln", "log2", "log10", "sgn",
			"sort", "sort_desc", "sort_by_label", "sort_by_label_desc":
			if len(e.Args) == 0 {
				return nil
			}
			return outermostAggs(e.Args[0])
		}
	case *parser.BinaryExpr:
		if e.LHS.Type() == parser.ValueTypeScalar {
			return outermostAggs(e.RHS)
		}
		if e.RHS.Type() == parser.ValueTypeScalar {
			return outermostAggs(e.LHS)
		}
		vm := e.VectorMatching
		switch {
		case e.Op == parser.LAND || e.Op == parser.LUNLESS:
			return outermostAggs(e.LHS)
		case e.Op == parser.LOR:
			l, r := outermostAggs(e.LHS), outermostAggs(e.RHS)
			if l == nil || r == nil {
				return nil
			}
			return append(l, r...)
		case vm != nil && vm.Card == parser.CardManyToOne:
			return addLabels(outermostAggs(e.LHS), vm.Include...)
		case vm != nil && vm.Card == parser.CardOneToMany:
			return addLabels(outermostAggs(e.RHS), vm.Include...)
		case e.Op.IsComparisonOperator() && !e.ReturnBool:
			return outermostAggs(e.LHS)
		}
	}
	return nil
}

func addLabels(os []outcome, names ...string) []outcome {
	for i := range os {
		os[i].added = append(slices.Clip(os[i].added), names...)
	}
	return os
}

// aggText writes an aggregation's operator and grouping: sum by (namespace).
func aggText(a *parser.AggregateExpr) string {
	if !a.Without && len(a.Grouping) == 0 {
		return a.Op.String()
	}
	return describeAggregation(a)
}

// checkRecordClaims reports a level:metric:operations name that says
// another aggregation, window or level than its expression computes.
func checkRecordClaims(c *engine.RuleContext) {
	r := c.Rule
	parts := strings.Split(r.Record.Value, ":")
	level, ops := parts[0], parts[2]
	aggs, fns, ratio := recordOps(ops)
	outs := outermostAggs(r.Parsed)

	// Aggregation.
	if len(aggs) > 0 && len(outs) > 0 {
		op := outs[0].agg.Op.String()
		same := true
		for _, o := range outs[1:] {
			same = same && o.agg.Op.String() == op
		}
		if same && !namesAgg(aggs, op, r.Parsed) {
			says := strings.Join(aggs, " and ")
			hint := "name the operation " + op + ", or aggregate with " + aggs[0]
			if op == "sum" {
				c.Report(r.Record.Pos, hint, "record name says %s, but the expression's outermost aggregation is %s and it computes no %s", says, aggText(outs[0].agg), says)
			} else {
				c.Report(r.Record.Pos, hint, "record name says %s, but the expression's outermost aggregation is %s", says, aggText(outs[0].agg))
			}
		}
	}

	// Window.
	if len(fns) > 0 && !readsRecorded(r.Parsed) {
		for _, f := range fns {
			alike := []string{f.fn}
			if (ratio || scaled(r.Parsed)) && (f.fn == "rate" || f.fn == "increase") {
				alike = []string{"rate", "increase"}
			}
			var wins []time.Duration
			var called []string
			found := false
			inspectCalls(r.Parsed, func(call *parser.Call) {
				if !slices.Contains(alike, call.Func.Name) {
					return
				}
				for _, a := range call.Args {
					if w, ok := windowOf(a); ok {
						found = found || w == f.win
						if !slices.Contains(wins, w) {
							wins = append(wins, w)
						}
						if !slices.Contains(called, call.Func.Name+"()") {
							called = append(called, call.Func.Name+"()")
						}
					}
				}
			})
			switch {
			case found || ratio && readsWindow(r.Parsed, f.win):
				// A ratio over the window named, read another way: sloth's
				// ratio_rate5m is a ratio of sum_over_time(...[5m:]).
			case len(wins) == 0:
				c.Report(r.Record.Pos, "compute "+f.fn+"() over ["+model.Duration(f.win).String()+"], or rename it",
					"record name says %s, but the expression calls no %s()", f.text, strings.Join(alike, "() or "))
			default:
				var ws []string
				for _, w := range wins {
					ws = append(ws, "["+model.Duration(w).String()+"]")
				}
				c.Report(r.Record.Pos, "make the window "+model.Duration(f.win).String()+", or name it "+f.fn+model.Duration(wins[0]).String(),
					"record name says %s, but the expression computes %s over %s only", f.text, strings.Join(called, " and "), strings.Join(ws, ", "))
			}
		}
	}

	// Level.
	if len(outs) == 0 {
		return
	}
	var want []string
	for _, w := range strings.Split(level, "_") {
		if !labelWords[w] {
			return
		}
		if w != "cluster" && !slices.Contains(want, w) {
			want = append(want, w)
		}
	}
	var dropped []string
	var by *parser.AggregateExpr
	for _, o := range outs {
		for _, l := range want {
			kept := slices.Contains(o.added, l) || slices.Contains(o.agg.Grouping, l) != o.agg.Without
			if _, set := r.Labels.Get(l); !kept && !set && !slices.Contains(dropped, l) {
				dropped = append(dropped, l)
				if by == nil {
					by = o.agg
				}
			}
		}
	}
	if len(dropped) == 0 {
		return
	}
	them := "it"
	if len(dropped) > 1 {
		them = "them"
	}
	c.Report(r.Record.Pos, "keep "+strings.Join(dropped, ", ")+" in the aggregation, or take "+them+" out of the level",
		"record name's level %q says %s, but the expression's %s drops %s", level, strings.Join(dropped, " and "), aggText(by), them)
}

// namesAgg reports whether the aggregations a name gives fit op, the
// expression's outermost aggregation: sum names a count too, and an
// outermost sum may go unnamed over an aggregation the expression takes.
func namesAgg(aggs []string, op string, e parser.Expr) bool {
	if slices.Contains(aggs, op) || op == "count" && slices.Contains(aggs, "sum") {
		return true
	}
	if op != "sum" {
		return false
	}
	for _, a := range aggs {
		found := false
		astwalk.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			switch n := n.(type) {
			case *parser.AggregateExpr:
				found = found || n.Op.String() == a
			case *parser.Call:
				found = found || n.Func.Name == a+"_over_time"
			}
			return nil
		})
		if !found {
			return false
		}
	}
	return true
}

// scaled reports whether an expression multiplies or divides by a number,
// as rate(x[1h]) * 3600 does to compute increase(x[1h]).
func scaled(e parser.Expr) bool {
	found := false
	astwalk.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if b, ok := n.(*parser.BinaryExpr); ok && (b.Op == parser.MUL || b.Op == parser.DIV) {
			_, l := numberOf(b.LHS)
			_, r := numberOf(b.RHS)
			found = found || l || r
		}
		return nil
	})
	return found
}

// readsRecorded reports whether an expression reads a recorded series, or
// a series whose name it does not say.
func readsRecorded(e parser.Expr) bool {
	recorded := false
	selectors(e, func(vs *parser.VectorSelector, _ []parser.Node) {
		if n := metricName(vs); n == "" || strings.Contains(n, ":") {
			recorded = true
		}
	})
	return recorded
}

// windowOf returns the range of a range selector or subquery argument.
func windowOf(e parser.Expr) (time.Duration, bool) {
	switch e := unparen(e).(type) {
	case *parser.MatrixSelector:
		return e.Range, true
	case *parser.SubqueryExpr:
		return e.Range, true
	}
	return 0, false
}

// readsWindow reports whether an expression looks back over a window of
// length d with a function of the whole window (not irate or idelta, which
// read its last two samples), over a range or a subquery.
func readsWindow(e parser.Expr, d time.Duration) bool {
	found := false
	inspectCalls(e, func(call *parser.Call) {
		if call.Func.Name == "irate" || call.Func.Name == "idelta" {
			return
		}
		for _, a := range call.Args {
			if w, ok := windowOf(a); ok && w == d {
				found = true
			}
		}
	})
	return found
}
