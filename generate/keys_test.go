package generate

import (
	"strings"
	"testing"
)

// TestSetKeys checks the keys --set completes against the knobs check:
// each key set to its default (a label mapping, to one label) is accepted,
// the same key with a letter more is refused, the booleans the schema
// leaves out and the label mappings are among them, and each says what it
// may hold.
func TestSetKeys(t *testing.T) {
	keys, err := SetKeys()
	if err != nil {
		t.Fatal(err)
	}
	k, err := knobs()
	if err != nil {
		t.Fatal(err)
	}
	setting := func(kv string) Setting {
		t.Helper()
		var o Overrides
		if err := o.Set(kv); err != nil {
			t.Fatalf("--set %s: %v", kv, err)
		}
		return o.Settings[0]
	}
	seen := map[string]SetKey{}
	for _, key := range keys {
		seen[key.Name] = key
		kv := key.Name + "=" + key.Default
		if key.Labels() {
			if key.Default != "" {
				t.Errorf("%s: a label mapping with a default %q", key.Name, key.Default)
			}
			kv = key.Name + "team=platform"
		}
		if err := k.check(setting(kv)); err != nil {
			t.Errorf("--set %s: %v", kv, err)
		}
		bad := strings.TrimSuffix(key.Name, ".") + "x=" + key.Default
		if err := k.check(setting(bad)); err == nil {
			t.Errorf("--set %s: accepted, but it names no knob", bad)
		}
		if key.What == "" {
			t.Errorf("%s: says nothing of what it holds", key.Name)
		}
	}
	want := map[string]SetKey{
		"alerts.ContainerMemoryNearLimit.threshold": {Default: "0.9", What: "a share of the memory limit"},
		"alerts.ContainerMemoryNearLimit.enabled":   {Default: "true", What: "true or false"},
		"alerts.ContainerMemoryNearLimit.for":       {Default: "15m", What: "a duration"},
		"alerts.ContainerMemoryNearLimit.severity":  {Default: "warning", What: "info, warning, critical"},
		"showMultiCluster":                          {Default: "false", What: "true or false"},
		"extraLabels.":                              {What: "a label name, then =value"},
		"testLabels.cadvisor.":                      {What: "a label name, then =value"},
		"cadvisorSelector":                          {Default: `job="kubelet", metrics_path="/metrics/cadvisor"`, What: "label matchers"},
	}
	for name, w := range want {
		got, ok := seen[name]
		w.Name = name
		if !ok {
			t.Errorf("%s: not among the keys", name)
		} else if got != w {
			t.Errorf("%s: got %+v, want %+v", name, got, w)
		}
	}
	for _, not := range []string{"alerts", "alerts.ContainerMemoryNearLimit", "extraLabels", "testLabels"} {
		if _, ok := seen[not]; ok {
			t.Errorf("%s: a mapping of knobs offered as a key", not)
		}
	}
}
