package checks_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/storage"

	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// fixInputs are the rule files whose fixes TestFixesKeepResults checks: the
// fix testdata, the lint corpus and the real-world corpus.
func fixInputs(t *testing.T) []string {
	var out []string
	for _, g := range []string{"testdata/fix/*.yaml", "testdata/corpus/*.yaml"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			if !strings.HasSuffix(p, ".fixed.yaml") {
				out = append(out, p)
			}
		}
	}
	_ = filepath.WalkDir("../../testdata/realworld", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestFixesKeepResults makes every fix lint --fix makes in the inputs, as
// --fix makes them (round after round), and runs each selector a fix edits,
// and each fixed rule's whole expression, before and after through the
// Prometheus engine on realistic series: cAdvisor's (the pod cgroup with container="", the pause
// container, a container; both kubelet endpoints), kube-state-metrics',
// and for every label the expressions match on, series with each value
// their matchers name, another value and none. A fix must not change a
// single result.
func TestFixesKeepResults(t *testing.T) {
	eng := promqltest.NewTestEngine(t, false, 5*time.Minute, promqltest.DefaultMaxSamplesPerQuery)
	verified := map[string]int{}
	for _, path := range fixInputs(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		before, errs := rules.Parse(path, data, rules.Options{})
		if before.Origin != nil || len(before.Groups()) == 0 {
			continue
		}
		// As lint --fix does, round after round; the fixes of each rule
		// are kept to name them.
		f, fixedBy := before, map[string][]string{}
		for round := 0; round < 10; round++ {
			out, done, err := engine.ApplyFixes(f, engine.Run([]*rules.File{f}, errs, checks.All(), nil), rules.Options{})
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if out == nil {
				break
			}
			for _, d := range done {
				fixedBy[d.Group+"\x00"+d.Rule] = append(fixedBy[d.Group+"\x00"+d.Rule], d.Check)
			}
			if f, errs = rules.Parse(path, out, rules.Options{}); len(errs) > 0 {
				t.Fatalf("%s: the fixed file does not load: %v", path, errs)
			}
		}
		if f == before {
			continue
		}
		a, b := allRules(before), allRules(f)
		if len(a) != len(b) {
			t.Fatalf("%s: %d rules before the fixes, %d after", path, len(a), len(b))
		}
		for i := range a {
			if a[i].rule.Expr.Value == b[i].rule.Expr.Value {
				continue
			}
			name := fmt.Sprintf("%s:%s %s", path, a[i].rule.Pos, a[i].rule.Name())
			if a[i].rule.Parsed == nil || b[i].rule.Parsed == nil {
				t.Errorf("%s: does not parse before or after the fix", name)
				continue
			}
			st := promqltest.LoadedStorage(t, loadCommand(a[i].rule.Parsed, b[i].rule.Parsed))
			// The selectors a fix edits select the same series, and the
			// whole expression returns the same.
			sa, sb := selectorsOf(a[i].rule.Parsed), selectorsOf(b[i].rule.Parsed)
			if len(sa) != len(sb) {
				t.Errorf("%s: %d selectors before the fix, %d after", name, len(sa), len(sb))
			}
			for _, at := range []time.Duration{30 * time.Minute, 47 * time.Minute} {
				for k := range min(len(sa), len(sb)) {
					if sa[k] == sb[k] {
						continue
					}
					ra, rb := evaluate(eng, st, sa[k], at), evaluate(eng, st, sb[k], at)
					if ra != rb {
						t.Errorf("%s: the fix changes what %s selects (now %s) at %v\nbefore:\n%s\nafter:\n%s", name, sa[k], sb[k], at, ra, rb)
					}
					if ra == "" {
						t.Errorf("%s: %s selects nothing of the series made for it: the comparison proves little", name, sa[k])
					}
				}
				ra := evaluate(eng, st, a[i].rule.Expr.Value, at)
				rb := evaluate(eng, st, b[i].rule.Expr.Value, at)
				if ra != rb {
					t.Errorf("%s: the fix changes the result at %v\nbefore: %s\n%s\nafter: %s\n%s", name, at, a[i].rule.Expr.Value, ra, b[i].rule.Expr.Value, rb)
				}
			}
			st.Close()
			for _, c := range fixedBy[a[i].group+"\x00"+a[i].rule.Name()] {
				verified[c]++
			}
		}
	}
	for _, c := range checks.All() {
		if c.Rule == nil {
			continue
		}
		// Every check that offers fixes has some verified.
		if fixes(c) && verified[c.ID] == 0 {
			t.Errorf("%s offers fixes, and none was checked", c.ID)
		}
	}
	for id, n := range verified {
		t.Logf("%s: %d fixed rules give the same results", id, n)
	}
}

// fixes reports whether a check offers fixes: it does on its testdata.
func fixes(c *engine.Check) bool {
	path := filepath.Join("testdata", fileOf(c.ID)+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	f, errs := rules.Parse(path, data, rules.Options{})
	cfg := engine.DefaultConfig()
	cfg.Enabled = map[string]bool{c.ID: true}
	for _, d := range engine.Run([]*rules.File{f}, errs, []*engine.Check{c}, cfg) {
		if !d.Fix.IsZero() {
			return true
		}
	}
	return false
}

type ruleAt struct {
	group string
	rule  *rules.Rule
}

func allRules(f *rules.File) []ruleAt {
	var out []ruleAt
	for _, g := range f.Groups() {
		for _, r := range g.Rules {
			out = append(out, ruleAt{g.Name.Value, r})
		}
	}
	return out
}

// evaluate runs expr at a time and returns its result, sorted, as text.
func evaluate(eng *promql.Engine, st storage.Queryable, expr string, at time.Duration) string {
	q, err := eng.NewInstantQuery(context.Background(), st, nil, expr, time.Unix(0, 0).Add(at))
	if err != nil {
		return "error: " + err.Error()
	}
	defer q.Close()
	res := q.Exec(context.Background())
	if res.Err != nil {
		return "error: " + res.Err.Error()
	}
	var lines []string
	switch v := res.Value.(type) {
	case promql.Vector:
		for _, s := range v {
			lines = append(lines, s.Metric.String()+" "+formatFloat(s.F))
		}
	case promql.Matrix:
		for _, s := range v {
			lines = append(lines, s.String())
		}
	case promql.Scalar:
		lines = append(lines, formatFloat(v.V))
	default:
		lines = append(lines, res.Value.String())
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func formatFloat(f float64) string {
	if math.IsNaN(f) {
		return "NaN"
	}
	return fmt.Sprint(f)
}

// baseSeries are realistic label sets every metric gets: cAdvisor's pod
// cgroup, pause container and container, from both kubelet endpoints;
// kube-state-metrics'; a series without labels.
var baseSeries = []map[string]string{
	{"job": "kubelet", "metrics_path": "/metrics/cadvisor", "namespace": "default", "pod": "p1", "container": "app", "image": "registry/app:1", "name": "c0ffee", "id": "/kubepods/podp1/c0ffee", "instance": "10.0.0.1:10250", "node": "n1"},
	{"job": "kubelet", "metrics_path": "/metrics/cadvisor", "namespace": "default", "pod": "p1", "id": "/kubepods/podp1", "instance": "10.0.0.1:10250", "node": "n1"},
	{"job": "kubelet", "metrics_path": "/metrics/cadvisor", "namespace": "default", "pod": "p1", "container": "POD", "image": "pause:3.10", "name": "beef", "id": "/kubepods/podp1/beef", "instance": "10.0.0.1:10250", "node": "n1"},
	{"job": "kubelet", "metrics_path": "/metrics/resource", "namespace": "default", "pod": "p1", "container": "app", "instance": "10.0.0.1:10250", "node": "n1"},
	{"job": "kube-state-metrics", "namespace": "kube-system", "pod": "p2", "container": "app", "node": "n2", "uid": "u2", "instance": "10.0.0.9:8080"},
	{},
}

// loadCommand returns a promqltest load command of series for the
// selectors of the expressions: every metric they select gets the base
// series, series that all the matchers of each of its selectors select,
// and for every label its matchers name, copies of the first three base
// series with each value the matchers name, another value, and none.
func loadCommand(exprs ...parser.Expr) string {
	values := map[string]map[string][]string{}  // metric, label, values
	fitting := map[string][]map[string]string{} // metric, series its selectors select
	for _, e := range exprs {
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			vs, ok := n.(*parser.VectorSelector)
			if !ok {
				return nil
			}
			name := vs.Name
			for _, m := range vs.LabelMatchers {
				if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
					name = m.Value
				}
			}
			if name == "" {
				name = "metric_without_name"
			}
			if values[name] == nil {
				values[name] = map[string][]string{}
			}
			for _, m := range vs.LabelMatchers {
				if m.Name == model.MetricNameLabel {
					continue
				}
				values[name][m.Name] = append(values[name][m.Name], matcherValues(m)...)
			}
			// A series every matcher of the selector selects, from each of
			// the first base series.
			for _, base := range baseSeries[:3] {
				ls, ok := copyLabels(base), true
				for _, m := range vs.LabelMatchers {
					if m.Name == model.MetricNameLabel || m.Matches(ls[m.Name]) {
						continue
					}
					ok = false
					for _, v := range append(matcherValues(m), "", "x") {
						if m.Matches(v) {
							ls[m.Name], ok = v, true
							if v == "" {
								delete(ls, m.Name)
							}
							break
						}
					}
				}
				if ok {
					fitting[name] = append(fitting[name], ls)
				}
			}
			return nil
		})
	}
	var b strings.Builder
	// Samples every 15s, so that a window of a minute holds four.
	b.WriteString("load 15s\n")
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		seen := map[string]bool{}
		var sets []map[string]string
		add := func(ls map[string]string) {
			if strings.HasSuffix(name, "_bucket") {
				for _, le := range []string{"0.5", "1", "+Inf"} {
					c := copyLabels(ls)
					c["le"] = le
					add1(&sets, seen, c)
				}
				return
			}
			add1(&sets, seen, ls)
		}
		for _, base := range baseSeries {
			add(base)
		}
		for _, ls := range fitting[name] {
			add(ls)
		}
		labelNames := make([]string, 0, len(values[name]))
		for l := range values[name] {
			labelNames = append(labelNames, l)
		}
		sort.Strings(labelNames)
		for _, l := range labelNames {
			vs := append(slices.Clone(values[name][l]), "", "other")
			slices.Sort(vs)
			for _, v := range slices.Compact(vs) {
				for _, base := range baseSeries[:3] {
					c := copyLabels(base)
					if v == "" {
						delete(c, l)
					} else {
						c[l] = v
					}
					add(c)
				}
			}
		}
		// Values and slopes of several sizes, so that thresholds keep
		// some series and drop others; each metric starts elsewhere in the
		// cycle, so that ratios of two metrics vary too.
		h := fnv.New32a()
		h.Write([]byte(name))
		off := int(h.Sum32() % 16)
		for i, ls := range sets {
			starts, steps := []string{"0", "1", "1000", "1e9"}, []string{"0", "1", "100", "10000"}
			j := i + off
			fmt.Fprintf(&b, "  %s%s %s+%sx400\n", name, labelsText(ls), starts[(j/4)%4], steps[j%4])
		}
	}
	return b.String()
}

func add1(sets *[]map[string]string, seen map[string]bool, ls map[string]string) {
	key := labelsText(ls)
	if !seen[key] {
		seen[key] = true
		*sets = append(*sets, ls)
	}
}

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func labelsText(ls map[string]string) string {
	if len(ls) == 0 {
		return ""
	}
	keys := make([]string, 0, len(ls))
	for k := range ls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, ls[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// matcherValues returns values to try for a matcher: its value, and the
// literal strings of a regular expression and their alternatives.
func matcherValues(m *labels.Matcher) []string {
	switch m.Type {
	case labels.MatchEqual, labels.MatchNotEqual:
		return []string{m.Value}
	}
	re, err := syntax.Parse(m.Value, syntax.Perl)
	if err != nil {
		return nil
	}
	out := []string{example(re.Simplify())}
	var walk func(*syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpLiteral:
			out = append(out, string(r.Rune))
		case syntax.OpConcat:
			var s strings.Builder
			literal := true
			for _, sub := range r.Sub {
				if sub.Op == syntax.OpLiteral {
					s.WriteString(string(sub.Rune))
				} else if sub.Op != syntax.OpBeginText && sub.Op != syntax.OpEndText && sub.Op != syntax.OpBeginLine && sub.Op != syntax.OpEndLine {
					literal = false
				}
			}
			out = append(out, s.String())
			if !literal {
				out = append(out, s.String()+"x")
			}
		}
		for _, sub := range r.Sub {
			walk(sub)
		}
	}
	walk(re)
	return out
}

// TestFixesKeepResultsCanFail: the comparison tells apart an edit that
// changes what a rule returns, such as the container filter an earlier
// --fix added to cAdvisor selectors, which drops the pod cgroup's series
// and all of a standalone cAdvisor's.
func TestFixesKeepResultsCanFail(t *testing.T) {
	eng := promqltest.NewTestEngine(t, false, 5*time.Minute, promqltest.DefaultMaxSamplesPerQuery)
	p := parser.NewParser(parser.Options{})
	for _, tc := range [][2]string{
		{`sum by (namespace) (container_memory_rss)`, `sum by (namespace) (container_memory_rss{container!="", image!=""})`},
		{`sum by (namespace) (rate(container_network_receive_bytes_total[5m]))`, `sum by (namespace) (rate(container_network_receive_bytes_total{container!="", image!=""}[5m]))`},
	} {
		a, err := p.ParseExpr(tc[0])
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.ParseExpr(tc[1])
		if err != nil {
			t.Fatal(err)
		}
		st := promqltest.LoadedStorage(t, loadCommand(a, b))
		if evaluate(eng, st, tc[0], 30*time.Minute) == evaluate(eng, st, tc[1], 30*time.Minute) {
			t.Errorf("%s and %s give the same results", tc[0], tc[1])
		}
		st.Close()
	}
}

// example returns a short string a regular expression matches.
func example(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		return string(re.Rune)
	case syntax.OpCharClass:
		if len(re.Rune) > 0 {
			return string(re.Rune[0])
		}
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return "a"
	case syntax.OpCapture, syntax.OpPlus:
		return example(re.Sub[0])
	case syntax.OpRepeat:
		return strings.Repeat(example(re.Sub[0]), re.Min)
	case syntax.OpConcat:
		var b strings.Builder
		for _, sub := range re.Sub {
			b.WriteString(example(sub))
		}
		return b.String()
	case syntax.OpAlternate:
		return example(re.Sub[0])
	}
	return ""
}

// selectorsOf returns the text of the vector selectors of an expression, in
// order, without offsets and @ modifiers, as instant queries.
func selectorsOf(e parser.Expr) []string {
	var out []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			c := *vs
			c.OriginalOffset, c.Timestamp, c.StartOrEnd = 0, nil, 0
			out = append(out, c.String())
		}
		return nil
	})
	return out
}
