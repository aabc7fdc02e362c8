package generate

import "testing"

// TestKeys checks the keys --set completes: each is one Set takes, with
// its default, and the knobs of the pack's alerts are among them.
func TestKeys(t *testing.T) {
	keys, err := Keys()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, k := range keys {
		var o Overrides
		if k.Name == "extraLabels" {
			continue // a mapping of the user's own labels
		}
		if err := o.Set(k.Name + "=" + k.Default); err != nil {
			t.Errorf("--set %s=%s: %v", k.Name, k.Default, err)
		}
		found = found || k.Name == "alerts.ContainerMemoryNearLimit.threshold"
	}
	if !found || len(keys) < 10 {
		t.Errorf("%d keys, alerts.ContainerMemoryNearLimit.threshold among them: %v", len(keys), found)
	}
}
