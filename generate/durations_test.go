package generate

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/oomguard/oomguard/rules"
	"github.com/oomguard/oomguard/ruletest"
)

// TestPackShortAndLongDurations builds the pack, tests included, with
// durations at both ends of what users set: rate windows of a minute (read
// at a 15s grid), kill windows of a minute or two, a prediction over 8m or
// a day. Their own tests must pass: a valid duration never fails the build.
func TestPackShortAndLongDurations(t *testing.T) {
	slowUnderRace(t)
	for _, sets := range [][]string{
		{
			"rateWindow=1m", "alerts.ContainerOOMKilled.window=1m", "alerts.ContainerOOMKilledRepeatedly.window=2m",
			"alerts.ContainerProbablyOOMKilled.window=1m", "alerts.ContainerMemoryLimitPredicted.window=8m",
			"alerts.ContainerMemoryLimitPredicted.horizon=30m", "cadvisorSampleMaxAge=30s",
		},
		{"rateWindow=1d", "alerts.ContainerOOMKilled.window=1d", "alerts.ContainerMemoryLimitPredicted.window=1d"},
	} {
		t.Run(strings.Join(sets, " "), func(t *testing.T) { mustBuild(t, sets) })
	}
}

// TestPackRefusesDeadDurations checks that durations the alerts cannot
// work with (a prediction no steady growth can fire, a rate window too
// short for two samples) are refused with one line naming the knob, not
// built.
func TestPackRefusesDeadDurations(t *testing.T) {
	slowUnderRace(t)
	for _, c := range []struct {
		set, want string
	}{
		{"alerts.ContainerMemoryLimitPredicted.horizon=3m", "alerts.ContainerMemoryLimitPredicted.horizon (3m) is not longer than its for (15m)"},
		{"alerts.ContainerMemoryLimitPredicted.window=1m", "alerts.ContainerMemoryLimitPredicted.window (1m): the growth over its last quarter"},
		{"rateWindow=15s", "rateWindow (15s) is under 30s"},
		{"alerts.ContainerMemoryLimitPredicted.window=7d", "alerts.ContainerMemoryLimitPredicted: a growth fast enough to reach the limit within the horizon (4h)"},
		// A short window after a long for: more evaluations than the
		// tests run under.
		{"alerts.ContainerMemoryLimitPredicted.for=1y alerts.ContainerMemoryLimitPredicted.horizon=2y", `the pack's test "ContainerMemoryLimitPredicted fires for a steady growth" (ContainerMemoryLimitPredicted) cannot run with these durations`},
	} {
		_, err := Build(overridesOf(t, strings.Fields(c.set)))
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%s: got %v, want a config error", c.set, err)
			continue
		}
		if !strings.HasPrefix(ce.Msg, c.want) || strings.Contains(ce.Msg, "\n") {
			t.Errorf("%s: got %q, want one line starting %q", c.set, ce.Msg, c.want)
		}
	}
}

// TestLongForStillCatchesBrokenRules checks that the pack's tests keep
// their teeth when a long for puts them at a coarse step: the rule file
// of a pack built with ContainerMemoryNearLimit's for at a year or ten, or
// with the for of ContainerMemoryLimitHits (an alert on a rate) at a year,
// broken in its for or its threshold, fails the tests built with it.
func TestLongForStillCatchesBrokenRules(t *testing.T) {
	slowUnderRace(t)
	t.Setenv(CacheDirEnv, "off")
	for _, c := range []struct{ alert, long, longer, threshold, higher, failing string }{
		{"ContainerMemoryNearLimit", "1y", "2y", " > 0.9\n", " > 0.95\n", "ContainerMemoryNearLimit fires just past its threshold"},
		{"ContainerMemoryNearLimit", "10y", "11y", " > 0.9\n", " > 0.95\n", "ContainerMemoryNearLimit fires just past its threshold"},
		{"ContainerMemoryLimitHits", "1y", "2y", " >= 0.8)\n", " >= 0.99)\n", "limit hits, "},
	} {
		t.Run(c.alert+"/"+c.long, func(t *testing.T) {
			pack := mustBuild(t, []string{"alerts." + c.alert + ".for=" + c.long})
			ruleFile, err := Render(pack.Groups, FormatRules, rules.YAML, DefaultMeta())
			if err != nil {
				t.Fatal(err)
			}
			text := string(ruleFile)
			start := strings.Index(text, "alert: "+c.alert+"\n")
			if start < 0 {
				t.Fatalf("no %s in the rule file", c.alert)
			}
			end := start + strings.Index(text[start:], "annotations:")
			block := text[start:end]
			for _, m := range []struct{ what, old, new string }{
				{"a longer for", "for: " + c.long + "\n", "for: " + c.longer + "\n"},
				{"a higher threshold", c.threshold, c.higher},
			} {
				if strings.Count(block, m.old) != 1 {
					t.Fatalf("%s: %q not once in the alert:\n%s", m.what, m.old, block)
				}
				broken := text[:start] + strings.Replace(block, m.old, m.new, 1) + text[end:]
				r, err := runTests([]byte(broken), pack.Tests)
				if err != nil {
					t.Fatal(err)
				}
				var out bytes.Buffer
				if err := ruletest.WriteText(&out, r, false); err != nil {
					t.Fatal(err)
				}
				if !r.Failed() || !strings.Contains(out.String(), c.failing) || !strings.Contains(out.String(), "alertname: "+c.alert) {
					t.Errorf("%s: the tests do not fail on the broken rule:\n%s", m.what, out.String())
				}
			}
		})
	}
}
