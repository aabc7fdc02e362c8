package generate

import (
	"encoding/json"
	"os"
	"path/filepath"
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
	// The most values a group's input series expand to, blanks included:
	// what the test runner's limit on input samples counts, and what
	// promtool holds in memory.
	maxExpanded      int
	maxExpandedGroup string
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
			expanded := 0
			for _, s := range g.InputSeries {
				_, values, err := p2.ParseSeriesDesc(s.Series + " " + s.Values)
				if err != nil {
					t.Fatalf("%s: %s: %s: %v", name, g.Name, s.Series, err)
				}
				expanded += len(values)
				n := 0
				for _, v := range values {
					if !v.Omitted {
						n++
					}
				}
				c.samples += n
				c.maxSamplesPerStep = max(c.maxSamplesPerStep, float64(n)/float64(steps))
			}
			if expanded > c.maxExpanded {
				c.maxExpanded, c.maxExpandedGroup = expanded, g.Name
			}
		}
	}
	return c
}

// maxExpandedValues bounds what a group's input series expand to, blanks
// included: a tenth of the test runner's default limit.
const maxExpandedValues = 500_000

// TestPackTestsStayBounded checks that the pack's tests do not grow with
// the durations in the configuration: a for of 30 days or a window of a
// week puts the groups that need it at a coarser evaluation step, so that
// no group takes more than about 30 evaluations, and no input series has
// more than a few samples an evaluation (those a rate needs in its
// window), whatever the durations. Nothing is timed; the work is counted.
func TestPackTestsStayBounded(t *testing.T) {
	check := func(what string, c testCost) {
		t.Helper()
		t.Logf("%s: %d groups, %d steps (at most %d in a group), %d samples (at most %.1f a step in a series), at most %d values with blanks in a group (%s)",
			what, c.groups, c.steps, c.maxSteps, c.samples, c.maxSamplesPerStep, c.maxExpanded, c.maxExpandedGroup)
		if c.maxSteps > 45 || c.maxSamplesPerStep > 12 {
			t.Errorf("%s: a group takes %d evaluation steps and a series %.1f samples a step; want at most 45 and 12", what, c.maxSteps, c.maxSamplesPerStep)
		}
		// Blanks cost as samples do (promtool expands them, and the
		// runner's limit counts them): a group whose rate series are
		// written 1m apart along a for of a year is over the limit with
		// a handful of samples.
		if c.maxExpanded > maxExpandedValues {
			t.Errorf("%s: group %q's input series expand to %d values, blanks included; want at most %d", what, c.maxExpandedGroup, c.maxExpanded, maxExpandedValues)
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
