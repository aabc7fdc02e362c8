package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oomguard/oomguard/jsonnet"
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/lint/engine"
)

// TestKubernetesMixin lints kubernetes-mixin as its authors write it, its
// jsonnet (testdata/realworld/kubernetes-mixin, vendored unchanged), and
// as it is rendered (the rule files beside it, rendered from that jsonnet
// at the same commit): the same findings of each check, the rules its
// loops build reported one by one, from one evaluation of the jsonnet; with
// the default checks and with every check on.
func TestKubernetesMixin(t *testing.T) {
	set := filepath.Join("..", "..", "testdata", "realworld", "kubernetes-mixin")
	// mixin.libsonnet without its dashboards (not vendored: they need
	// grafonnet), as SOURCE.md says.
	entry := filepath.Join(t.TempDir(), "kubernetes-mixin.libsonnet")
	if err := os.WriteFile(entry, []byte("(import 'alerts/alerts.libsonnet') + (import 'rules/rules.libsonnet') + (import 'config.libsonnet')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rendered := []string{filepath.Join(set, "prometheus_alerts.yaml"), filepath.Join(set, "prometheus_rules.yaml")}
	var every []string
	for _, c := range checks.All() {
		every = append(every, c.ID)
	}
	for _, tc := range []struct {
		name   string
		enable []string
	}{{"default checks", nil}, {"every check", every}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := func() *engine.Config {
				cfg := engine.DefaultConfig()
				if err := lint.Select(cfg, tc.enable, nil); err != nil {
					t.Fatal(err)
				}
				return cfg
			}
			before := engine.MixinEvaluations()
			mixin, err := engine.Inputs(engine.Options{Inputs: []string{entry}, Checks: checks.All(), Config: cfg(),
				// The limit is lint's, not what this test is about: under the
				// race detector on a loaded machine the evaluation can take
				// longer than the default 30 s.
				Mixin: jsonnet.MixinOptions{JPath: []string{set}, Timeout: 10 * time.Minute}})
			if err != nil {
				t.Fatal(err)
			}
			if n := engine.MixinEvaluations() - before; n != 1 {
				t.Errorf("the mixin was evaluated %d times, want once", n)
			}
			render, err := engine.Inputs(engine.Options{Inputs: rendered, Checks: checks.All(), Config: cfg()})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range mixin.Diagnostics {
				if d.Check == "syntax/invalid" {
					t.Fatalf("the mixin does not load: %s", d)
				}
			}
			got, want := perCheck(mixin.Diagnostics), perCheck(render.Diagnostics)
			if got != want || len(mixin.Diagnostics) != len(render.Diagnostics) {
				t.Errorf("%d findings on the jsonnet, %d on the rendered files\njsonnet:\n%s\nrendered:\n%s", len(mixin.Diagnostics), len(render.Diagnostics), got, want)
			}
			t.Logf("%d findings on the jsonnet, %d on the rendered files:\n%s", len(mixin.Diagnostics), len(render.Diagnostics), got)
		})
	}
}

// perCheck counts findings by check and rule, one line each, sorted.
func perCheck(ds []engine.Diagnostic) string {
	n := map[string]int{}
	for _, d := range ds {
		n[d.Check+" "+d.Rule]++
	}
	var lines []string
	for k, v := range n {
		lines = append(lines, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
