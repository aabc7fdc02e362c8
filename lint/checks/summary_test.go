package checks

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// acrossFiles are rule files whose findings depend on each other: recording
// rules of one read in the other (their labels, their windows), the same
// rule in both, a cycle of recording rules over the two.
var acrossFiles = []struct{ path, text string }{
	{"a.yaml", `groups:
  - name: a
    rules:
      - record: ns:x:sum
        expr: sum by (namespace) (ns:y:sum)
      - record: job:z:rate
        expr: sum by (job) (rate(z_total[5m]))
      - alert: Twice
        expr: up == 0
        labels: {severity: warning}
        annotations: {summary: s, description: d, runbook_url: r}
      - record: code:requests:rate5m
        expr: sum by (code) (rate(requests_total{code=~"2.."}[5m]))
      - record: ns:oom:increase10m
        expr: sum by (namespace) (increase(oom_total[10m]))
`},
	{"b.yaml", `groups:
  - name: b
    rules:
      - record: ns:y:sum
        expr: sum by (namespace, pod) (ns:x:sum)
      - record: job:w:rate
        expr: job:z:rate * on (job, instance) group_left (node) ns:x:sum
      - alert: Twice
        expr: up == 0
        labels: {severity: warning}
        annotations: {summary: s, description: d, runbook_url: r}
      - alert: PodDown
        expr: ns:q:missing > on (namespace) ns:x:sum
        for: 5m
        labels: {severity: warning}
        annotations:
          summary: '{{ $labels.pod }} of {{ $labels.namespace }} is down'
          description: d
          runbook_url: r
      - record: code:requests:rate5m
        expr: sum by (code) (rate(requests_total{code=~"5.."}[5m]))
      - record: code:requests:rate5m
        expr: sum by (code) (rate(requests_total{code="200"}[5m]))
      - alert: OOMKilled
        expr: ns:oom:increase10m > 0
        labels: {severity: warning}
        annotations: {summary: s, description: d, runbook_url: r}
      - alert: Pods
        expr: ns:x:sum > 0
        labels: {severity: warning}
        annotations: {summary: s, description: d, runbook_url: r}
`},
}

// TestAcrossFiles: the checks across files find, from what they keep of
// each file, what involves several files, whatever the order in which the
// files were checked.
func TestAcrossFiles(t *testing.T) {
	var files []*rules.File
	for _, in := range acrossFiles {
		f, errs := rules.Parse(in.path, []byte(in.text), rules.Options{})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		files = append(files, f)
	}
	var got []string
	cfg := engine.DefaultConfig()
	cfg.Enabled = map[string]bool{"alerts/short-for": true}
	ds := engine.Run(files, nil, All(), cfg)
	for _, d := range ds {
		switch d.Check {
		case "alerts/short-for", "identity/duplicate-rule", "dependencies/cross-group", "dependencies/missing-recording-rule",
			"promql/join-dropped-label", "labels/template-dropped-label":
			got = append(got, fmt.Sprintf("%s:%s %s %s", d.File, d.Pos, d.Check, d.Message))
		}
	}
	for _, unwanted := range []string{"b.yaml:20:", "b.yaml:24:"} {
		for _, g := range got {
			if strings.HasPrefix(g, unwanted) {
				t.Errorf("unexpected finding %s", g)
			}
		}
	}
	for _, want := range []string{
		`a.yaml:5:35 dependencies/cross-group ns:y:sum is recorded in group "b"`,
		`b.yaml:5:40 promql/join-dropped-label by (pod) groups by a label its input does not have (ns:x:sum, recorded from sum by (namespace), which keeps only namespace)`,
		`b.yaml:7:15 dependencies/cross-group job:z:rate is recorded in group "a"`,
		`b.yaml:7:65 promql/join-dropped-label group_left (node) copies node from a side that does not have it (ns:x:sum, recorded from sum by (namespace)`,
		`b.yaml:8:16 identity/duplicate-rule alert "Twice" is already defined at a.yaml:8:16`,
		`b.yaml:13:15 dependencies/missing-recording-rule ns:q:missing is not recorded by any rule of the files linted`,
		`b.yaml:17:24 labels/template-dropped-label annotation "summary" reads $labels.pod`,
		`b.yaml:22:17 identity/duplicate-rule recording rule "code:requests:rate5m" is already defined at a.yaml:12:17`,
		`b.yaml:28:16 alerts/short-for alert "Pods" has no for`,
	} {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, want)
		}
		if !found {
			t.Errorf("no finding %s in\n%s", want, strings.Join(got, "\n"))
		}
	}

	// Files added in another order, one at a time, find the same.
	l := engine.NewLinter(All(), cfg)
	for i := len(files) - 1; i >= 0; i-- {
		l.Add(i, files[i], nil)
	}
	if again := l.Finish(); !reflect.DeepEqual(again, ds) {
		t.Errorf("files added in reverse order: %d findings, want the %d of Run", len(again), len(ds))
	}
}

// TestScopes: the checks across files look within a scope; files of no
// scope are one together.
func TestScopes(t *testing.T) {
	var files []*rules.File
	for _, in := range []struct{ path, text string }{
		{"prod/a.yaml", "groups:\n  - name: a\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n"},
		{"staging/a.yaml", "groups:\n  - name: a\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n      - alert: Down\n        expr: job:up:sum == 0\n        for: 5m\n        labels: {severity: warning}\n"},
		{"other/a.yaml", "groups:\n  - name: a\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n"},
	} {
		f, errs := rules.Parse(in.path, []byte(in.text), rules.Options{})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		files = append(files, f)
	}
	duplicates := func(cfg *engine.Config) []string {
		var out []string
		for _, d := range engine.Run(files, nil, All(), cfg) {
			if d.Check == "identity/duplicate-rule" {
				out = append(out, d.File)
				// Across files, the hint names the way out.
				if !strings.Contains(d.Hint, "scopes in .oomguard.yaml") {
					t.Errorf("%v: hint %q does not name scopes", d, d.Hint)
				}
			}
		}
		return out
	}
	if got := duplicates(nil); len(got) != 2 {
		t.Errorf("one scope: duplicates in %v, want 2", got)
	}
	cfg := engine.DefaultConfig()
	for _, s := range []string{"prod", "staging"} {
		g, _ := engine.ParseGlob(s + "/**")
		cfg.Scopes = append(cfg.Scopes, engine.Scope{Name: s, Files: []engine.Glob{g}})
	}
	if got := duplicates(cfg); len(got) != 0 {
		t.Errorf("a scope each: duplicates in %v, want none", got)
	}
	// A file in two scopes is checked in both; the rest is one scope.
	both, _ := engine.ParseGlob("*/a.yaml")
	cfg.Scopes = append(cfg.Scopes, engine.Scope{Name: "all", Files: []engine.Glob{both}})
	if got := duplicates(cfg); len(got) != 2 {
		t.Errorf("with a scope of all: duplicates in %v, want 2", got)
	}
}
