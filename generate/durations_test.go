package generate

import (
	"errors"
	"strings"
	"testing"
)

// TestPackShortAndLongDurations builds the pack, tests included, with
// durations at both ends of what users set: rate windows of a minute (read
// at a 15s grid), kill windows of a minute or two, a prediction over 8m or
// a day. Their own tests must pass: a valid duration never fails the build.
func TestPackShortAndLongDurations(t *testing.T) {
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
	for _, c := range []struct {
		set, want string
	}{
		{"alerts.ContainerMemoryLimitPredicted.horizon=3m", "alerts.ContainerMemoryLimitPredicted.horizon (3m) is not longer than its for (15m)"},
		{"alerts.ContainerMemoryLimitPredicted.window=1m", "alerts.ContainerMemoryLimitPredicted.window (1m): the growth over its last quarter"},
		{"rateWindow=15s", "rateWindow (15s) is under 30s"},
		{"alerts.ContainerMemoryLimitPredicted.window=7d", "alerts.ContainerMemoryLimitPredicted: a growth fast enough to reach the limit within the horizon (4h)"},
	} {
		_, err := Build(overridesOf(t, []string{c.set}))
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
