package config

import (
	"strings"
	"testing"
	"time"

	"github.com/oomguard/oomguard/lint/catalog"
	"github.com/oomguard/oomguard/lint/engine"
)

// TestLintCatalog reads the catalog entries and window settings of the
// lint section, and refuses bad ones at their position.
func TestLintCatalog(t *testing.T) {
	load := func(t *testing.T, src string) (*engine.Config, error) {
		t.Helper()
		f, err := Parse(".oomguard.yaml", []byte(src))
		if err != nil {
			return nil, err
		}
		return f.Lint, nil
	}
	def := engine.DefaultConfig()
	if def.ScrapeInterval != 30*time.Second || def.MinScrapesPerWindow != 4 || def.MinFor != time.Minute || def.Metrics != catalog.Default() {
		t.Errorf("defaults: %+v", def)
	}
	cfg, err := load(t, `lint:
  scrapeInterval: 15s
  minScrapesPerWindow: 3
  minFor: 0s
  metrics:
    - {name: job:errors:ratio_rate5m, type: gauge, range: [0, 1]}
    - {name: up, type: gauge, source: blackbox}
`)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ScrapeInterval != 15*time.Second || cfg.MinScrapesPerWindow != 3 || cfg.MinFor != 0 {
		t.Errorf("got %v, %d, %v", cfg.ScrapeInterval, cfg.MinScrapesPerWindow, cfg.MinFor)
	}
	if _, ok := cfg.Metrics.Range("job:errors:ratio_rate5m"); !ok {
		t.Error("entry of the config not in the catalog")
	}
	if ms := cfg.Metrics.Lookup("up"); len(ms) != 1 || ms[0].Source != "blackbox" {
		t.Errorf("up: %+v", ms)
	}
	if cfg.Metrics.Type("container_memory_rss") != catalog.Gauge {
		t.Error("built-in entries lost")
	}
	for _, tc := range []struct{ src, want string }{
		{"lint:\n  scrapeInterval: soon\n", `:2:19: lint: scrapeInterval: want a duration such as 30s, not "soon"`},
		{"lint:\n  scrapeInterval: 0s\n", `:2:19: lint: scrapeInterval: must be above 0`},
		{"lint:\n  minFor: [1m]\n", `:2:11: lint: minFor: want a duration`},
		{"lint:\n  minScrapesPerWindow: 0\n", `:2:24: lint: minScrapesPerWindow: want a whole number above 0, not "0"`},
		{"lint:\n  metrics:\n    - name: a\n      type: gauges\n", `:4:13: lint: metrics: unknown type "gauges"`},
		{"lint:\n  metrics:\n    - {name: a_total, type: counter, range: [0, 1]}\n", `:3:45: lint: metrics: metric a_total: a range bounds a gauge`},
		{"lint:\n  metrics: {name: a}\n", `:2:12: lint: metrics: want a list of metrics`},
	} {
		_, err := load(t, tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s", tc.src, err, tc.want)
		}
	}
}
