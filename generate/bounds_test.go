package generate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/jsonnet"
)

// testCost is what the pack's tests make the engine do: evaluation steps
// (each evaluates the rules once) and input samples.
type testCost struct {
	groups, steps, maxSteps, samples int
	// The most values a group's input series write: what the test runner
	// holds and its limit on input samples counts.
	maxWritten      int
	maxWrittenGroup string
	// The most values a group's input series expand to, blanks included:
	// what promtool holds.
	maxExpanded int
	// The most samples a series has for each step of its group.
	maxSamplesPerStep float64
}

// costOf evaluates the pack with sets and counts, from its test files, the
// evaluation steps each group implies (its last eval_time over its file's
// evaluation_interval, plus the one at 0) and the samples of its input
// series.
func costOf(t *testing.T, sets []string) testCost {
	t.Helper()
	cfg, err := Check(overridesOf(t, sets).Settings)
	if err != nil {
		t.Fatal(err)
	}
	p, err := jsonnet.Evaluate(cfg.overrides)
	if err != nil {
		t.Fatal(err)
	}
	var files map[string]struct {
		EvaluationInterval model.Duration `json:"evaluation_interval"`
		Tests              []struct {
			Name        string `json:"name"`
			InputSeries []struct {
				Series string `json:"series"`
				Values string `json:"values"`
			} `json:"input_series"`
			AlertRuleTest []struct {
				EvalTime model.Duration `json:"eval_time"`
			} `json:"alert_rule_test"`
			PromqlExprTest []struct {
				EvalTime model.Duration `json:"eval_time"`
			} `json:"promql_expr_test"`
		} `json:"tests"`
	}
	if err := json.Unmarshal(p.Tests, &files); err != nil {
		t.Fatal(err)
	}
	p2 := parser.NewParser(parser.Options{})
	var c testCost
	for name, f := range files {
		for _, g := range f.Tests {
			var last model.Duration
			for _, a := range g.AlertRuleTest {
				last = max(last, a.EvalTime)
			}
			for _, e := range g.PromqlExprTest {
				last = max(last, e.EvalTime)
			}
			steps := int(time.Duration(last)/time.Duration(f.EvaluationInterval)) + 1
			c.groups++
			c.steps += steps
			c.maxSteps = max(c.maxSteps, steps)
			expanded, written := 0, 0
			for _, s := range g.InputSeries {
				// Blanks are counted, not expanded: a long for makes
				// millions of them.
				n := 0
				for _, item := range strings.Fields(s.Values) {
					if item == "_" {
						expanded++
						continue
					}
					if k, ok := strings.CutPrefix(item, "_x"); ok {
						blanks, err := strconv.Atoi(k)
						if err != nil {
							t.Fatalf("%s: %s: %s: %q", name, g.Name, s.Series, item)
						}
						expanded += blanks
						continue
					}
					_, values, err := p2.ParseSeriesDesc(s.Series + " " + item)
					if err != nil {
						t.Fatalf("%s: %s: %s: %v", name, g.Name, s.Series, err)
					}
					n += len(values)
				}
				expanded += n
				c.samples += n
				written += n
				c.maxSamplesPerStep = max(c.maxSamplesPerStep, float64(n)/float64(steps))
			}
			if written > c.maxWritten {
				c.maxWritten, c.maxWrittenGroup = written, g.Name
			}
			c.maxExpanded = max(c.maxExpanded, expanded)
		}
	}
	return c
}

// maxWrittenValues bounds the values a group's input series write: a
// tenth of the test runner's default limit.
const maxWrittenValues = 500_000

// TestPackTestsStayBounded checks that the pack's tests do not grow with
// the durations in the configuration: a for of 30 days or a window of a
// week puts the groups that need it at a coarser evaluation step, so that
// no group takes more than about 30 evaluations, and no input series has
// more than a few samples an evaluation (those a rate needs in its
// window), whatever the durations. Nothing is timed; the work is counted.
func TestPackTestsStayBounded(t *testing.T) {
	slowUnderRace(t)
	check := func(what string, c testCost) {
		t.Helper()
		t.Logf("%s: %d groups, %d steps (at most %d in a group), %d samples (at most %.1f a step in a series), at most %d values in a group (%s), %d with blanks",
			what, c.groups, c.steps, c.maxSteps, c.samples, c.maxSamplesPerStep, c.maxWritten, c.maxWrittenGroup, c.maxExpanded)
		if c.maxSteps > 45 || c.maxSamplesPerStep > 12 {
			t.Errorf("%s: a group takes %d evaluation steps and a series %.1f samples a step; want at most 45 and 12", what, c.maxSteps, c.maxSamplesPerStep)
		}
		if c.maxWritten > maxWrittenValues {
			t.Errorf("%s: group %q's input series write %d values; want at most %d", what, c.maxWrittenGroup, c.maxWritten, maxWrittenValues)
		}
	}
	base := costOf(t, nil)
	check("defaults", base)
	// Every duration long at once, but the prediction's for: its test needs
	// evaluations closer than an eighth of its window all along its for
	// (deriv over a quarter of the window, of a recorded series), so its
	// steps grow with for / window.
	var everything []string
	for _, name := range []string{
		"ContainerMemoryNearLimit", "ContainerMemoryAtLimit", "ContainerMemoryLimitHits", "ContainerMemoryPressure",
		"ContainerMemoryLimitHitsUncounted", "ContainerMemoryLimitHitsUnknown", "ContainerOOMKilled", "ContainerOOMKilledRepeatedly", "ContainerProbablyOOMKilled", "ContainerProcessOOMKilled",
		"ContainerCPUSystemShareHigh", "ContainerCPUThrottlingHigh", "ContainerCPUNearLimit", "ContainerWithoutMemoryLimit",
		"ContainerCadvisorMetricsMissing", "ContainerStateMetricsMissing", "ContainerMemoryLimitsMissing", "ContainerCPUSplitMissing",
	} {
		everything = append(everything, "alerts."+name+".for=30d")
	}
	everything = append(everything, "alerts.ContainerOOMKilled.window=7d", "alerts.ContainerOOMKilledRepeatedly.window=7d",
		"alerts.ContainerProbablyOOMKilled.window=7d", "alerts.ContainerProcessOOMKilled.window=7d", "alerts.ContainerMemoryLimitPredicted.window=7d",
		"alerts.ContainerMemoryLimitPredicted.horizon=30d", "rateWindow=1h", "cadvisorSampleMaxAge=1h")
	for _, sets := range [][]string{
		{"alerts.ContainerMemoryNearLimit.for=30d"},
		{"alerts.ContainerMemoryNearLimit.for=1y"},
		{"alerts.ContainerMemoryNearLimit.for=10y"},
		{"alerts.ContainerMemoryNearLimit.for=100y"},
		{"alerts.ContainerWithoutMemoryLimit.for=10y"},
		{"alerts.ContainerOOMKilledRepeatedly.window=7d"},
		{"alerts.ContainerOOMKilledRepeatedly.window=10y", "alerts.ContainerOOMKilled.window=10y", "alerts.ContainerProcessOOMKilled.window=10y", "alerts.ContainerProbablyOOMKilled.window=10y"},
		{"rateWindow=10y"},
		{"alerts.ContainerMemoryLimitHits.for=10y"},
		{"alerts.ContainerMemoryAtLimit.for=10y"},
		{"alerts.ContainerMemoryPressure.for=100y", "alerts.ContainerCPUThrottlingHigh.for=100y"},
		everything,
	} {
		c := costOf(t, sets)
		check(strings.Join(sets, " "), c)
		if c.groups != base.groups {
			t.Errorf("%v: %d test groups, want the %d of the defaults", sets, c.groups, base.groups)
		}
	}
}

// TestRunbooks checks that every alert of the pack has its runbook, where
// the default runbook_url points.
func TestRunbooks(t *testing.T) {
	slowUnderRace(t)
	p, err := jsonnet.Evaluate(nil)
	if err != nil {
		t.Fatal(err)
	}
	var alerts struct {
		Groups []struct {
			Rules []struct {
				Alert string `json:"alert"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(p.Alerts, &alerts); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range alerts.Groups {
		for _, r := range g.Rules {
			n++
			if _, err := os.Stat(filepath.Join("..", "docs", "runbooks", r.Alert+".md")); err != nil {
				t.Errorf("alert %s has no runbook: %v", r.Alert, err)
			}
		}
	}
	if n == 0 {
		t.Fatal("the pack has no alerts")
	}
}
