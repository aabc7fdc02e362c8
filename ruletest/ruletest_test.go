package ruletest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestGroupOrder checks that rule groups missing from group_eval_order run
// in the order of the rule files and groups, every time: b reads what a
// records at the same step, so it sees the value only when a runs first.
func TestGroupOrder(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"rules.yaml": `groups:
  - name: a
    rules:
      - record: a_value
        expr: up
  - name: b
    rules:
      - record: b_value
        expr: a_value
`,
		"order_test.yml": `rule_files: [rules.yaml]
tests:
  - input_series:
      - series: up
        values: 1
    promql_expr_test:
      - expr: b_value
        eval_time: 0s
        exp_samples: [{labels: b_value, value: 1}]
`,
	})
	for range 20 {
		r, err := Run([]string{filepath.Join(dir, "order_test.yml")}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Failed() {
			var b bytes.Buffer
			_ = WriteText(&b, r, false)
			t.Fatalf("group order not kept:\n%s", b.String())
		}
	}
}

func TestAlertDiffClosest(t *testing.T) {
	exp := []alertSample{{Labels: labels.FromStrings("alertname", "A", "pod", "p1", "severity", "warning")}}
	got := []alertSample{
		{Labels: labels.FromStrings("alertname", "A", "pod", "p9", "severity", "info")},
		{Labels: labels.FromStrings("alertname", "A", "pod", "p1", "severity", "critical")},
	}
	d := alertDiff(exp, got, false)
	for _, want := range []string{
		"expected 1 firing alert(s), got 2",
		`label severity: expected "warning", got "critical"`,
		`unexpected: {alertname="A", pod="p9", severity="info"}`,
	} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
}

func TestCoverageFollowsRecordingRules(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"rules.yaml": `groups:
  - name: g
    rules:
      - record: base
        expr: up
      - record: derived
        expr: base * 2
      - alert: High
        expr: derived > 1
      - alert: Other
        expr: up == 0
      - record: unused
        expr: up
`,
		"cov_test.yml": `rule_files: [rules.yaml]
tests:
  - input_series:
      - series: up
        values: 1x5
    alert_rule_test:
      - eval_time: 1m
        alertname: High
        exp_alerts: [{}]
`,
	})
	r, err := Run([]string{filepath.Join(dir, "cov_test.yml")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed() {
		var b bytes.Buffer
		_ = WriteText(&b, r, false)
		t.Fatalf("test failed:\n%s", b.String())
	}
	got := map[string]bool{}
	for _, rc := range r.Files[0].Coverage[0].Rules {
		got[rc.Name] = rc.Exercised
	}
	want := map[string]bool{"base": true, "derived": true, "High": true, "Other": false, "unused": false}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s exercised = %v, want %v", name, got[name], w)
		}
	}
	if cov, ok := r.Coverage(); !ok || cov != 0.6 {
		t.Errorf("coverage %v, want 0.6", cov)
	}
}

func TestJUnitShape(t *testing.T) {
	r := &Report{Files: []*FileReport{
		{Path: "a_test.yml", Groups: []*GroupReport{
			{Name: "ok"},
			{Name: "bad", Failures: []*Failure{{Kind: FailExpr, Message: "expr differs", Diff: "d"}}},
		}},
		{Path: "broken_test.yml", Err: os.ErrNotExist},
	}}
	var b bytes.Buffer
	if err := WriteJUnit(&b, r, testTime); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`<testsuite name="a_test.yml" tests="2" failures="1" errors="0" skipped="0" timestamp="2026-01-02T03:04:05">`,
		`<testcase name="ok"></testcase>`,
		`<testcase name="bad"><failure>d&#xA;expr differs</failure></testcase>`,
		`<testsuite name="broken_test.yml" tests="1" failures="0" errors="1"`,
		`<error>file does not exist</error>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("JUnit lacks %s:\n%s", want, out)
		}
	}
}

var testTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
