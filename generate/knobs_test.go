package generate

import (
	"errors"
	"strings"
	"testing"

	"github.com/oomguard/oomguard/jsonnet"
)

// checkSets checks --set arguments as Build would.
func checkSets(sets ...string) (*Config, error) {
	var o Overrides
	for _, s := range sets {
		if err := o.Set(s); err != nil {
			return nil, err
		}
	}
	return Check(o.Settings)
}

// TestCheckSet gives every kind of knob a bad value with --set: one
// message, at the argument, before anything is evaluated.
func TestCheckSet(t *testing.T) {
	tests := []struct {
		set, want string
	}{
		// Durations.
		{"alerts.ContainerMemoryNearLimit.for=15 minutes", `alerts.ContainerMemoryNearLimit.for must be a Prometheus duration such as 15m or 1h30m, not "15 minutes"`},
		{"alerts.ContainerMemoryNearLimit.for=0", `alerts.ContainerMemoryNearLimit.for must be a Prometheus duration such as 15m or 1h30m, not 0`},
		{"alerts.ContainerMemoryLimitPredicted.window=1.5h", `alerts.ContainerMemoryLimitPredicted.window must be a Prometheus duration such as 15m or 1h30m, not "1.5h"`},
		{"alerts.ContainerMemoryLimitPredicted.horizon=0s", `alerts.ContainerMemoryLimitPredicted.horizon must be longer than 0`},
		{"alerts.ContainerOOMKilled.window=-10m", `alerts.ContainerOOMKilled.window must be a Prometheus duration such as 15m or 1h30m, not "-10m"`},
		{"rateWindow=5", `rateWindow must be a Prometheus duration such as 15m or 1h30m, not 5`},
		{"rateWindow=0m", `rateWindow must be longer than 0`},
		// Thresholds.
		{"alerts.ContainerMemoryNearLimit.threshold=1.5", `alerts.ContainerMemoryNearLimit.threshold must be above 0 and below 1 (a share of the memory limit), not 1.5`},
		{"alerts.ContainerMemoryAtLimit.threshold=1", `alerts.ContainerMemoryAtLimit.threshold must be above 0 and below 1 (a share of the memory limit), not 1`},
		{"alerts.ContainerMemoryNearLimit.threshold=.nan", `alerts.ContainerMemoryNearLimit.threshold must be a finite number (a share of the memory limit), not NaN`},
		{"alerts.ContainerCPUThrottlingHigh.threshold=0", `alerts.ContainerCPUThrottlingHigh.threshold must be above 0 and below 1 (a share of CFS periods), not 0`},
		{"alerts.ContainerCPUNearLimit.threshold=1.2", `alerts.ContainerCPUNearLimit.threshold must be above 0 and at most 1 (a share of the CPU limit), not 1.2`},
		{"alerts.ContainerMemoryLimitHits.threshold=-0.1", `alerts.ContainerMemoryLimitHits.threshold must be at least 0 (limit hits a second), not -0.1`},
		{"alerts.ContainerOOMKilledRepeatedly.threshold=2.5", `alerts.ContainerOOMKilledRepeatedly.threshold must be a whole number (restarts in the window), not 2.5`},
		{"alerts.ContainerOOMKilledRepeatedly.threshold=0", `alerts.ContainerOOMKilledRepeatedly.threshold must be at least 1 (restarts in the window), not 0`},
		{"alerts.ContainerCPUSystemShareHigh.minUsageCores=-1", `alerts.ContainerCPUSystemShareHigh.minUsageCores must be at least 0 (CPU cores), not -1`},
		{"alerts.ContainerCPUSystemShareHigh.threshold=high", `alerts.ContainerCPUSystemShareHigh.threshold must be a number, not "high"`},
		// Enumerations, severities, booleans.
		{"memoryMetric=pss", `memoryMetric must be working_set or rss, not "pss"`},
		{"memoryLimitSource=vpa", `memoryLimitSource must be kube-state-metrics or cadvisor, not "vpa"`},
		{"alerts.ContainerOOMKilled.severity=page", `alerts.ContainerOOMKilled.severity must be info, warning or critical, not "page"`},
		{"alerts.ContainerOOMKilled.enabled=maybe", `alerts.ContainerOOMKilled.enabled must be a boolean, not "maybe"`},
		// Selectors.
		{`cadvisorSelector=job="kubelet`, `cadvisorSelector "job=\"kubelet" is not a selector: unterminated quoted string (at character 5)`},
		{`namespaceSelector=namespace=~"prod-(.*"`, `namespaceSelector "namespace=~\"prod-(.*\"" is not a selector: error parsing regexp: missing closing ): ` + "`prod-(.*`"},
		{`kubeStateMetricsSelector=job="ksm",`, `kubeStateMetricsSelector "job=\"ksm\"," ends with a comma: the pack joins it with its own matchers`},
		{`kubeStateMetricsSelector={job="ksm"}`, `kubeStateMetricsSelector "{job=\"ksm\"}": write the matchers without the braces`},
		{`cadvisorSelector=__name__="up"`, `cadvisorSelector "__name__=\"up\"": selects a metric name (__name__="up"); the pack chooses its metrics`},
		{`namespaceSelector=job="a" or job="b"`, `namespaceSelector "job=\"a\" or job=\"b\"" is not a selector: unexpected identifier "or" in label matching, expected "," or "}" (at character 9)`},
		// Labels, the cluster label, the runbook pattern.
		{"clusterLabel=k8s-cluster", `clusterLabel "k8s-cluster" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)`},
		{"clusterLabel=namespace", `clusterLabel cannot be "namespace": the pack's rules set that label themselves`},
		{"extraLabels.severity=page", `extraLabels: cannot be "severity": the pack's rules set that label themselves`},
		{"extraLabels.team-name=x", `extraLabels: "team-name" is not a label name`},
		{"extraLabels.team.x=y", `extraLabels.team is a label of extraLabels: it takes a string, not keys below it`},
		{"extraLabels.team=true", `extraLabels.team must be a string, not true`},
		{"runbookURLPattern=https://runbooks.example.com/", `runbookURLPattern must hold %s once, for the alert's name, not 0 times`},
		{"runbookURLPattern=https://x/%d", `runbookURLPattern "https://x/%d": a % must be %s (the alert's name) or %% (a percent sign)`},
		{`testLabels.namespace=`, `testLabels.namespace cannot be empty`},
		{`testLabels.cadvisor.job=a"b`, `testLabels.cadvisor.job cannot hold "a\"b"`},
		// Keys.
		{"alerts.ContainerMemoryNearLimit.treshold=0.8", `unknown key alerts.ContainerMemoryNearLimit.treshold (known: enabled, for, severity, threshold)`},
		{"rateWindow.x=1", `rateWindow is a string: it has no keys below it`},
		{"alerts=1", `alerts must be a mapping, not 1`},
		{"alerts..for=1m", `"alerts..for" is not a key`},
		{"novalue", `want key=value`},
	}
	for _, tc := range tests {
		t.Run(tc.set, func(t *testing.T) {
			_, err := checkSets(tc.set)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a *ConfigError", err)
			}
			if ce.Set != tc.set || !strings.HasPrefix(ce.Msg, tc.want) {
				t.Fatalf("error\n  %v\nwant\n  --set %s: %s...", err, tc.set, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("more than one line: %q", err)
			}
		})
	}
}

// TestSchemaCoversKnobs keeps jsonnet/schema.libsonnet and the knobs of
// config.libsonnet together: every string and number knob has a rule, every
// rule a knob, and every default passes its own rule.
func TestSchemaCoversKnobs(t *testing.T) {
	k, err := knobs()
	if err != nil {
		t.Fatal(err)
	}
	var walk func(path string, def any, sch any)
	walk = func(path string, def any, sch any) {
		r := ruleOf(sch)
		switch d := def.(type) {
		case map[string]any:
			if r != nil {
				if r.Kind != "labels" {
					t.Errorf("%s: a mapping, but its rule is %q", path, r.Kind)
				}
				return
			}
			sm, _ := sch.(map[string]any)
			for key, v := range d {
				walk(strings.TrimPrefix(path+"."+key, "."), v, sm[key])
			}
			for key := range sm {
				if _, ok := d[key]; !ok {
					t.Errorf("the schema has %s, which is not a knob", strings.TrimPrefix(path+"."+key, "."))
				}
			}
		case bool:
			if sch != nil {
				t.Errorf("%s: a boolean needs no rule", path)
			}
		case nil:
			if r == nil || r.Kind != "labels" {
				t.Errorf("%s: null by default, but not a mapping of labels in the schema", path)
			}
		default:
			if r == nil {
				t.Errorf("%s: a %s knob without a rule in jsonnet/schema.libsonnet", path, typeName(def))
				return
			}
			if msg := r.check(def); msg != "" {
				t.Errorf("the default of %s: %s", path, msg)
			}
		}
	}
	walk("", k.defaults, k.schema)
}

// TestSchemaValuesEvaluate evaluates the pack's rules with every value an
// enumeration allows: the schema must not allow what the pack refuses.
func TestSchemaValuesEvaluate(t *testing.T) {
	slowUnderRace(t)
	k, err := knobs()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"memoryMetric", "memoryLimitSource"} {
		for _, v := range ruleOf(k.schema[key]).Values {
			if _, err := jsonnet.EvaluateRules(map[string]any{key: v}); err != nil {
				t.Errorf("%s=%s: %v", key, v, err)
			}
		}
	}
	alerts := k.schema["alerts"].(map[string]any)
	for name := range alerts {
		for _, v := range ruleOf(alerts[name].(map[string]any)["severity"]).Values {
			if _, err := checkSets("alerts." + name + ".severity=" + v); err != nil {
				t.Errorf("severity %s: %v", v, err)
			}
		}
	}
}
