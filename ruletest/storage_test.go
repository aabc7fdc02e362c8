package ruletest

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseValuesAsParser reads values strings both ways: parseValues,
// which holds runs of written values, and the series parser, which expands
// every blank. The written values and their indexes must be the same.
func TestParseValuesAsParser(t *testing.T) {
	for _, values := range []string{
		"", "1", "_", "_x0", "_x3", "1 2 3", "_ 1", "1 _", "1 _x4 2", "_x2 1x3 _ 0+2x2 _x10 stale 5-1x4",
		"\t1\t_x2  3 ", "-1 -2x2 _x1 1.5e3", "Inf -Inf NaN _ stale",
		"{{schema:0 sum:5 count:4 buckets:[1 2 1]}}x2 _x3 {{schema:0 sum:5 count:4 buckets:[1 2 1]}}",
		"{{schema:0 sum:0 count:0}}+{{schema:0 sum:5 count:4 buckets:[1 2 1]}}x3 _ 1",
	} {
		_, want, err := seriesParser.ParseSeriesDesc("{} " + values)
		if err != nil {
			t.Fatalf("%q: %v", values, err)
		}
		runs, err := parseValues(values)
		if err != nil {
			t.Errorf("%q: parseValues refuses what the parser reads: %v", values, err)
			continue
		}
		var wantS, gotS []string
		for i, v := range want {
			if !v.Omitted {
				wantS = append(wantS, fmt.Sprintf("%d:%s", i, v.String()))
			}
		}
		for _, r := range runs {
			for j, v := range r.values {
				if v.Omitted {
					t.Errorf("%q: a blank held in a run", values)
				}
				gotS = append(gotS, fmt.Sprintf("%d:%s", r.first+int64(j), v.String()))
			}
		}
		if strings.Join(gotS, " ") != strings.Join(wantS, " ") {
			t.Errorf("%q:\n got %v\nwant %v", values, gotS, wantS)
		}
	}
	// The parser's refusals, and blanks past what a series can have
	// (which the parser would expand for ever).
	for _, bad := range []string{"1 _x", "1 x3", "a", "{{schema:0", "1 _x99999999999999999999", "_x9223372036854775807 1", "_x9223372036854775807 _"} {
		if _, err := parseValues(bad); err == nil {
			t.Errorf("%q: parseValues reads it", bad)
		}
	}
}

// TestLongGapsCostNothing runs a group whose counter is sampled only in
// the five minutes before each daily evaluation for a year (what a rate
// needs): 1,825 samples and 523,775 blanks, which the runner does not
// hold or count. A value past the latest time a sample can have is an
// error of the group, not an overflow.
func TestLongGapsCostNothing(t *testing.T) {
	var b strings.Builder
	for day := 0; day < 365; day++ {
		fmt.Fprintf(&b, "_x%d %d+1x4 ", 1435, day*5)
	}
	dir := writeFiles(t, map[string]string{
		"rules.yaml": `groups:
  - name: g
    rules:
      - alert: Increasing
        expr: rate(hits_total[5m]) > 0
        for: 300d
`,
		"gaps_test.yml": `rule_files: [rules.yaml]
evaluation_interval: 1d
tests:
  - name: a year of daily bursts
    interval: 1m
    input_series:
      - series: hits_total{pod="a"}
        values: ` + b.String() + `
    alert_rule_test:
      - {alertname: Increasing, eval_time: 299d}
      - alertname: Increasing
        eval_time: 364d
        exp_alerts: [{exp_labels: {pod: a}}]
  - name: past the end of time
    interval: 1m
    input_series:
      - series: far{pod="a"}
        values: 1 _x100000000000 2
    promql_expr_test:
      - {expr: far, eval_time: 0s, exp_samples: [{labels: 'far{pod="a"}', value: 1}]}
  - name: blanks the parser would expand for ever
    interval: 1m
    input_series:
      - series: worse{pod="a"}
        values: 1 _x99999999999999999999 2
    promql_expr_test:
      - {expr: worse, eval_time: 0s}
  - name: a mistake after a long blank
    interval: 1m
    input_series:
      - series: mistaken{pod="a"}
        values: 1 _x100000000 2 a
    promql_expr_test:
      - {expr: mistaken, eval_time: 0s}
`,
	})
	r, err := Run([]string{filepath.Join(dir, "gaps_test.yml")}, Options{Limits: Limits{InputSamples: 2000}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	_ = WriteText(&out, r, false)
	text := out.String()
	if !strings.Contains(text, `input_series: far{pod="a"} has a value past the latest time a sample can have`) {
		t.Errorf("the value past the end of time is not the group's error:\n%s", text)
	}
	if strings.Contains(text, "a year of daily bursts") {
		t.Errorf("the year of bursts fails (it holds 1,825 samples, under the limit of 2,000):\n%s", text)
	}
	if !strings.Contains(text, `input_series: worse{pod="a"}: more values than a series can have`) {
		t.Errorf("the endless blank is not the group's error:\n%s", text)
	}
	// The parser would expand the blank before refusing the value after
	// it; promqltest's message is given only for what it can expand
	// within the limit.
	if !strings.Contains(text, `input_series: mistaken{pod="a"}: "2 a" does not parse`) {
		t.Errorf("the mistake after a long blank is not the group's error:\n%s", text)
	}
	if passed, failed := r.Counts(); passed != 1 || failed != 3 {
		t.Errorf("%d passed, %d failed; want 1 and 3:\n%s", passed, failed, text)
	}
	if math.MaxInt64/int64(60e9) > 100000000000 {
		t.Fatal("the far value is not past the end of time")
	}
}
