package ruletest

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/promqltest"
)

type alertSample struct {
	Labels      labels.Labels
	Annotations labels.Labels
}

func (a alertSample) String() string {
	return "Labels:" + a.Labels.String() + "\nAnnotations:" + a.Annotations.String()
}

func sortAlerts(as []alertSample) {
	sort.Slice(as, func(i, j int) bool {
		if d := labels.Compare(as[i].Labels, as[j].Labels); d != 0 {
			return d < 0
		}
		return labels.Compare(as[i].Annotations, as[j].Annotations) < 0
	})
}

func alertsString(as []alertSample) string {
	if len(as) == 0 {
		return "[]"
	}
	var b strings.Builder
	b.WriteString("[")
	for i, a := range as {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n%d:%s", i, indent("\n"+a.String(), "  "))
	}
	b.WriteString("\n]")
	return b.String()
}

func indent(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// compareAlerts compares firing alerts with the expected ones. Alerts carry
// no values, so the float comparison does not enter: equality of label sets
// decides, as in promtool.
func compareAlerts(at alertTestCase, exp, got []alertSample, _ floatCompare, full bool, group string) *Failure {
	sortAlerts(exp)
	sortAlerts(got)
	if alertsEqual(exp, got) {
		return nil
	}
	var name string
	if group != "" {
		name = fmt.Sprintf("name: %s,\n", group)
	}
	msg := fmt.Sprintf("%salertname: %s, time: %s,\n    exp:%v,\n    got:%v", name, at.Alertname, at.EvalTime,
		indent(alertsString(exp), "        "), indent(alertsString(got), "        "))
	return &Failure{
		Kind:      FailAlert,
		EvalTime:  time.Duration(at.EvalTime),
		Alertname: at.Alertname,
		Message:   msg,
		Diff:      alertDiff(exp, got, full),
	}
}

func alertsEqual(a, b []alertSample) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !labels.Equal(a[i].Labels, b[i].Labels) || !labels.Equal(a[i].Annotations, b[i].Annotations) {
			return false
		}
	}
	return true
}

// alertDiff explains how two lists of alerts differ: alerts that match
// exactly are left out, and each remaining expected alert is paired with
// the got alert closest to it, with the labels and annotations that differ.
func alertDiff(exp, got []alertSample, full bool) string {
	var b strings.Builder
	usedGot := make([]bool, len(got))
	var unmatched []alertSample
	for _, e := range exp {
		found := false
		for i, g := range got {
			if !usedGot[i] && labels.Equal(e.Labels, g.Labels) && labels.Equal(e.Annotations, g.Annotations) {
				usedGot[i] = true
				found = true
				break
			}
		}
		if !found {
			unmatched = append(unmatched, e)
		}
	}
	fmt.Fprintf(&b, "expected %d firing alert(s), got %d", len(exp), len(got))
	for _, e := range unmatched {
		best, bestScore := -1, -1
		for i, g := range got {
			if usedGot[i] {
				continue
			}
			if s := similarity(e, g); s > bestScore {
				best, bestScore = i, s
			}
		}
		if best < 0 {
			fmt.Fprintf(&b, "\n  missing: %s", e.Labels)
			continue
		}
		usedGot[best] = true
		fmt.Fprintf(&b, "\n  closest to expected %s:", e.Labels)
		b.WriteString(mapDiff("label", e.Labels, got[best].Labels))
		b.WriteString(mapDiff("annotation", e.Annotations, got[best].Annotations))
	}
	for i, g := range got {
		if !usedGot[i] {
			fmt.Fprintf(&b, "\n  unexpected: %s", g.Labels)
		}
	}
	if full {
		fmt.Fprintf(&b, "\n  all expected: %s\n  all got: %s", indent(alertsString(exp), "    "), indent(alertsString(got), "    "))
	}
	return b.String()
}

// similarity counts the labels and annotations two alerts share.
func similarity(a, b alertSample) int {
	n := 0
	a.Labels.Range(func(l labels.Label) {
		if b.Labels.Get(l.Name) == l.Value {
			n += 2
		}
	})
	a.Annotations.Range(func(l labels.Label) {
		if b.Annotations.Get(l.Name) == l.Value {
			n++
		}
	})
	return n
}

func mapDiff(what string, exp, got labels.Labels) string {
	var b strings.Builder
	exp.Range(func(l labels.Label) {
		switch {
		case !got.Has(l.Name):
			fmt.Fprintf(&b, "\n    %s %s: expected %q, got none", what, l.Name, l.Value)
		case got.Get(l.Name) != l.Value:
			fmt.Fprintf(&b, "\n    %s %s: expected %q, got %q", what, l.Name, l.Value, got.Get(l.Name))
		}
	})
	got.Range(func(l labels.Label) {
		if !exp.Has(l.Name) {
			fmt.Fprintf(&b, "\n    %s %s: got %q, not expected", what, l.Name, l.Value)
		}
	})
	return b.String()
}

// floatCompare compares an expected value with a got one.
type floatCompare func(exp, got float64) bool

func exactFloat(exp, got float64) bool { return exp == got }

// fuzzyFloat accepts a difference of one unit in the last place, as
// promtool's fuzzy_compare does.
func fuzzyFloat(exp, got float64) bool {
	return exp == got || math.Nextafter(exp, math.Inf(-1)) == got || math.Nextafter(exp, math.Inf(1)) == got
}

type sampleOut struct {
	Labels    labels.Labels
	Value     float64
	Histogram string
}

func (s sampleOut) String() string {
	if s.Histogram != "" {
		return s.Labels.String() + " " + s.Histogram
	}
	return s.Labels.String() + " " + strconv.FormatFloat(s.Value, 'E', -1, 64)
}

func samplesString(ss []sampleOut) string {
	if len(ss) == 0 {
		return "nil"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}

// checkExpr evaluates a promql_expr_test and compares its samples.
func checkExpr(suite seriesStore, c *config, pt promqlTestCase, mint time.Time, cmpFloat floatCompare) *Failure {
	evalTime := time.Duration(pt.EvalTime)
	newFail := func(msg, diff string) *Failure {
		return &Failure{Kind: FailExpr, EvalTime: evalTime, Expr: pt.Expr, Message: msg, Diff: diff}
	}
	vec, err := query(suite.Context(), pt.Expr, mint.Add(evalTime), suite)
	if err != nil {
		return newFail(fmt.Sprintf("expr: %q, time: %s, err: %s", pt.Expr, pt.EvalTime, err), "")
	}
	got := make([]sampleOut, 0, len(vec))
	for _, s := range vec {
		got = append(got, sampleOut{Labels: s.Metric.Copy(), Value: s.F, Histogram: promqltest.HistogramTestExpression(s.H)})
	}
	exp := make([]sampleOut, 0, len(pt.ExpSamples))
	for _, s := range pt.ExpSamples {
		lb, err := c.parser.ParseMetric(s.Labels)
		var h *histogram.FloatHistogram
		if err == nil && s.Histogram != "" {
			_, values, perr := c.parser.ParseSeriesDesc("{} " + s.Histogram)
			switch {
			case perr != nil:
				err = perr
			case len(values) != 1:
				err = fmt.Errorf("expected 1 value, got %d", len(values))
			case values[0].Histogram == nil:
				err = fmt.Errorf("expected histogram, got %v", values[0])
			default:
				h = values[0].Histogram
			}
		}
		if err != nil {
			return newFail(fmt.Sprintf("expr: %q, time: %s, err: labels %q: %v", pt.Expr, pt.EvalTime, s.Labels, err), "")
		}
		exp = append(exp, sampleOut{Labels: lb, Value: s.Value, Histogram: promqltest.HistogramTestExpression(h)})
	}
	sortSamples(exp)
	sortSamples(got)

	valueEqual := func(e, g float64) bool {
		if !c.opts.Compat && math.IsNaN(e) && math.IsNaN(g) {
			return true // NaN expected, NaN got: oomguard only
		}
		if cmpFloat(e, g) {
			return true
		}
		if pt.Tolerance > 0 && math.Abs(e-g) <= pt.Tolerance {
			return true
		}
		return pt.RelativeTolerance > 0 && math.Abs(e-g) <= pt.RelativeTolerance*math.Abs(e)
	}
	if samplesEqual(exp, got, valueEqual) {
		return nil
	}
	msg := fmt.Sprintf("expr: %q, time: %s,\n    exp: %v\n    got: %v", pt.Expr, pt.EvalTime, samplesString(exp), samplesString(got))
	return newFail(msg, sampleDiff(exp, got, valueEqual))
}

func sortSamples(ss []sampleOut) {
	sort.Slice(ss, func(i, j int) bool { return labels.Compare(ss[i].Labels, ss[j].Labels) <= 0 })
}

func samplesEqual(exp, got []sampleOut, eq func(e, g float64) bool) bool {
	if len(exp) != len(got) {
		return false
	}
	for i := range exp {
		if !labels.Equal(exp[i].Labels, got[i].Labels) || exp[i].Histogram != got[i].Histogram {
			return false
		}
		if exp[i].Histogram == "" && !eq(exp[i].Value, got[i].Value) {
			return false
		}
	}
	return true
}

// sampleDiff lists, series by series, what differs: missing series,
// unexpected series, and values that differ with their difference.
func sampleDiff(exp, got []sampleOut, eq func(e, g float64) bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "expected %d sample(s), got %d", len(exp), len(got))
	gotBy := map[string]sampleOut{}
	for _, g := range got {
		gotBy[g.Labels.String()] = g
	}
	seen := map[string]bool{}
	for _, e := range exp {
		k := e.Labels.String()
		seen[k] = true
		g, ok := gotBy[k]
		name := seriesString(e.Labels)
		switch {
		case !ok:
			fmt.Fprintf(&b, "\n  missing: %s", e)
			if c := closestSeries(e.Labels, got); c != "" {
				fmt.Fprintf(&b, " (closest got: %s)", c)
			}
		case e.Histogram != g.Histogram:
			fmt.Fprintf(&b, "\n  %s: expected %s, got %s", name, e.Histogram, g.Histogram)
		case e.Histogram == "" && !eq(e.Value, g.Value):
			fmt.Fprintf(&b, "\n  %s: expected %s, got %s (difference %s)", name,
				strconv.FormatFloat(e.Value, 'g', -1, 64), strconv.FormatFloat(g.Value, 'g', -1, 64),
				strconv.FormatFloat(g.Value-e.Value, 'g', 6, 64))
		}
	}
	for _, g := range got {
		if !seen[g.Labels.String()] {
			fmt.Fprintf(&b, "\n  unexpected: %s", g)
		}
	}
	return b.String()
}

func closestSeries(want labels.Labels, got []sampleOut) string {
	best, bestScore := "", 0
	for _, g := range got {
		score := 0
		want.Range(func(l labels.Label) {
			if g.Labels.Get(l.Name) == l.Value {
				score++
			}
		})
		if score > bestScore {
			best, bestScore = g.Labels.String(), score
		}
	}
	return best
}

// seriesString writes labels as PromQL writes a series: the metric name,
// then the other labels in braces.
func seriesString(l labels.Labels) string {
	name := l.Get(model.MetricNameLabel)
	rest := l.DropReserved(func(n string) bool { return n == model.MetricNameLabel })
	if name == "" {
		return rest.String()
	}
	if rest.IsEmpty() {
		return name
	}
	return name + rest.String()
}
