package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// limitRules has an alert of each kind of runaway template, and a rule
// that is fine.
const limitRules = `groups:
  - name: g
    rules:
      - record: doubled
        expr: up * 2
`

// TestTestLimits runs oomguard test as a child process on test files that
// ask for unbounded work, each a row of docs/robustness.md: it must finish
// with the limit's message and exit code, the other test groups run, and
// the child's peak resident memory (from its rusage) stays under 1 GiB. A
// guard kills a child that runs for minutes: a guard against a hang, not a
// measure of speed.
func TestTestLimits(t *testing.T) {
	bin := plainBinary(t)
	fine := `  - name: fine
    input_series:
      - series: up
        values: '1x10'
    promql_expr_test:
      - expr: doubled
        eval_time: 5m
        exp_samples: [{labels: doubled, value: 2}]
`
	var many strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&many, "  - name: g%d\n    input_series:\n      - series: up\n        values: '1x10'\n    promql_expr_test:\n      - expr: doubled\n        eval_time: 5m\n        exp_samples: [{labels: doubled, value: 2}]\n", i)
	}
	// Two groups at the input limit, run side by side.
	var atLimit strings.Builder
	for g := range 2 {
		fmt.Fprintf(&atLimit, "  - name: full%d\n    input_series:\n", g)
		for i := range 100 {
			fmt.Fprintf(&atLimit, "      - series: 'up{i=\"%d\"}'\n        values: '0+1x49999'\n", i)
		}
		atLimit.WriteString("    promql_expr_test:\n      - expr: count(up)\n        eval_time: 34d\n        exp_samples: [{value: 100}]\n")
	}
	var bomb strings.Builder
	for i := range 30 {
		fmt.Fprintf(&bomb, `{{define "d%d"}}{{template "d%d"}}{{template "d%d"}}{{end}}`, i, i+1, i+1)
	}
	bomb.WriteString(`{{define "d30"}}boom{{end}}{{template "d0"}}`)
	alert := func(annotation string) string {
		return limitRules + "      - alert: Runaway\n        expr: up > 0\n        annotations:\n          summary: '" + annotation + "'\n"
	}
	for _, tc := range []struct {
		name, rules, test string
		exit              int
		want              string
	}{
		{"a billion input samples", limitRules, `  - name: big
    input_series:
      - series: up
        values: '0+1x1000000000'
` + fine, 1, "test group big: its input series expand to 1000000001 samples, more than the limit of 5000000 (--max-input-samples raises it)"},
		{"eval_time of 100 years", limitRules, `  - name: century
    input_series:
      - series: up
        values: '1'
    promql_expr_test:
      - expr: up
        eval_time: 100y
` + fine, 1, "test group century: evaluating it up to 100y every 1m takes 52560001 steps, more than the limit of 100000 (--max-eval-steps raises it)"},
		{"evaluation interval of 1ms", limitRules, `  - name: millisecond
    interval: 1ms
    input_series:
      - series: up
        values: '1x10'
    promql_expr_test:
      - expr: up
        eval_time: 1h
`, 1, "test group millisecond: evaluating it up to 1h every 1ms takes 3600001 steps, more than the limit of 100000 (--max-eval-steps raises it)"},
		{"5,000 test groups", limitRules, many.String(), 0, "oomguard test: 5000 test groups passed, 0 failed"},
		{"two groups at the input limit", limitRules, atLimit.String(), 0, "oomguard test: 2 test groups passed, 0 failed"},
		{"a template looping a billion times", alert(`{{ range 1000000000 }}x{{ end }}`), fine, 1,
			"test group fine: rules.yaml:9:20: alert Runaway, annotation summary: the template can take 2000000010 steps, more than the limit of 1000000 (--max-template-steps raises it)"},
		{"a template-define bomb", alert(bomb.String()), fine, 1,
			"alert Runaway, annotation summary: the template can take 3221225479 steps, more than the limit of 1000000 (--max-template-steps raises it)"},
		{"a template padding a gigabyte", alert(`{{ printf "%01000000000d" 1 }}`), fine, 1,
			"alert Runaway, annotation summary: the template can write 1000000000 bytes, more than the limit of 1048576 (--max-template-bytes raises it)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			interval := ""
			if strings.Contains(tc.test, "millisecond") {
				interval = "evaluation_interval: 1ms\n"
			}
			test := "rule_files: [rules.yaml]\n" + interval + "tests:\n" + tc.test
			for name, data := range map[string]string{"rules.yaml": tc.rules, "limits_test.yml": test} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out, code, rss := runGuarded(t, dir, bin, "test", "limits_test.yml")
			if code != tc.exit {
				t.Errorf("exit %d, want %d\n%s", code, tc.exit, out)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, truncate(out))
			}
			if rss >= 1<<30 {
				t.Errorf("peak RSS %d MiB, want under 1 GiB", rss>>20)
			}
			t.Logf("peak RSS %d MiB", rss>>20)
		})
	}
}

// plainBinary builds oomguard without the race detector, whatever the
// test binary was built with: the race detector multiplies memory, and the
// limits are for the binary users run.
func plainBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "oomguard")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/oomguard/oomguard/cmd/oomguard").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runGuarded runs a command in dir, killed after five minutes, and returns
// its output, exit code and peak resident memory in bytes.
func runGuarded(t *testing.T, dir, bin string, args ...string) (string, int, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("killed after %v: %s", 5*time.Minute, truncate(string(out)))
	}
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Fatal("no rusage")
	}
	return string(out), code, ru.Maxrss * 1024
}

func truncate(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "..."
	}
	return s
}
