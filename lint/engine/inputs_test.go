package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/lint/engine"
)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInputs runs the whole pipeline on a directory and a mixin: findings
// sorted and moved to the jsonnet, fixes written round after round,
// source lines of both kinds of file, the baseline.
func TestInputs(t *testing.T) {
	t.Chdir(t.TempDir())
	write(t, "rules/a.yaml", `groups:
  - name: a
    rules:
      - record: job:up:sum
        expr: sum by (job) (up{job=~"^api$"})
`)
	write(t, "mixin.libsonnet", `{
  prometheusAlerts+:: {
    groups+: [{ name: 'g', rules: [{ alert: 'down', expr: 'job:up:sum == 0', 'for': '5m' }] }],
  },
}
`)
	var fixed []string
	res, err := engine.Inputs(engine.Options{
		Inputs: []string{"mixin.libsonnet", "rules"},
		Checks: checks.All(),
		Fix:    true,
		OnFix:  func(path string, n int) { fixed = append(fixed, path) },
		Source: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fixed) != 1 || fixed[0] != "rules/a.yaml" {
		t.Errorf("fixed %v", fixed)
	}
	text, _ := os.ReadFile("rules/a.yaml")
	if !strings.Contains(string(text), `up{job="api"}`) {
		t.Errorf("not fixed:\n%s", text)
	}
	var got []string
	for _, d := range res.Diagnostics {
		got = append(got, d.String())
		if d.File == "mixin.libsonnet" {
			if line, ok := res.Source(d.File, d.Pos.Line); !ok || !strings.Contains(string(line), "'down'") {
				t.Errorf("%v: source line %q", d, line)
			}
		}
	}
	want := `mixin.libsonnet:3:46: warning: alert "down" has no severity label (labels/severity)`
	if !strings.Contains(strings.Join(got, "\n"), want) {
		t.Errorf("no %s in\n%s", want, strings.Join(got, "\n"))
	}
	for _, d := range res.Diagnostics {
		if d.Check == "promql/static-regexp" {
			t.Errorf("fixed, yet reported: %v", d)
		}
	}

	// What the baseline holds is not reported.
	res2, err := engine.Inputs(engine.Options{Inputs: []string{"mixin.libsonnet", "rules"}, Checks: checks.All(), Baseline: engine.NewBaseline(res.Diagnostics[:1])})
	if err != nil || res2.Accepted != 1 || res2.Gone != 0 || len(res2.Diagnostics) != len(res.Diagnostics)-1 {
		t.Errorf("baseline: %v, %d accepted, %d gone, %d findings", err, res2.Accepted, res2.Gone, len(res2.Diagnostics))
	}

	// Nothing left after the config's globs.
	cfg := engine.DefaultConfig()
	g, _ := engine.ParseGlob("other/**")
	cfg.Include = []engine.Glob{g}
	if _, err := engine.Inputs(engine.Options{Inputs: []string{"rules"}, Checks: checks.All(), Config: cfg}); !errors.Is(err, engine.ErrNoFiles) {
		t.Errorf("include: %v", err)
	}
	// A ref that is not a commit.
	var se *engine.SinceError
	if _, err := engine.Inputs(engine.Options{Inputs: []string{"rules"}, Checks: checks.All(), Since: "no-such-ref"}); !errors.As(err, &se) {
		t.Errorf("since: %v", err)
	}
}
