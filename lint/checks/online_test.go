package checks_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oomguard/oomguard/config"
	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/online"
	"github.com/oomguard/oomguard/promapi"
)

func lintOnline(t *testing.T, cfg *engine.Config, path string) []engine.Diagnostic {
	t.Helper()
	res, err := engine.Inputs(engine.Options{Inputs: []string{path}, Checks: checks.All(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return res.Diagnostics
}

func findings(ds []engine.Diagnostic, prefix string) []string {
	var out []string
	for _, d := range ds {
		if strings.HasPrefix(d.Check, prefix) {
			out = append(out, d.String())
		}
	}
	return out
}

// TestOnlinePositions: each finding at the exact text it is about: the
// selector, the label in its clause, the label in the template, the name.
func TestOnlinePositions(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"online/missing-series", "testdata/online_missing_series.yaml:7:15: warning: container_memory_workingset_bytes: no series"},
		{"online/missing-series", "testdata/online_missing_series.yaml:9:15: warning: up{job=\"nodes\"}: up exists"},
		{"online/missing-label", "testdata/online_missing_label.yaml:7:34: warning: by (namespace, node) reads label \"node\""},
		{"online/missing-label", "testdata/online_missing_label.yaml:9:72: warning: on (namespace, pod, container) reads label \"container\""},
		{"online/missing-label", "testdata/online_missing_label.yaml:11:56: warning: on (uid) reads label \"uid\", which no series of container_memory_working_set_bytes, kube_pod_info carries"},
		{"online/missing-label", "testdata/online_missing_label.yaml:13:84: warning: group_left (host) reads label \"host\""},
		{"online/missing-label", "testdata/online_missing_label.yaml:17:45: warning: the template of \"summary\" reads label \"node\""},
		// The clause after the operand, and not the inner one.
		{"online/missing-label", "testdata/online_missing_label.yaml:19:59: warning: by (node) reads label \"node\""},
		{"online/record-exists", "testdata/online_record_exists.yaml:7:17: warning: job:up:sum is already recorded"},
		{"online/backtest", "testdata/online_backtest.yaml:8:16: warning: backtest on test-server"},
		{"online/backtest", "testdata/online_backtest.yaml:11:16: info: backtest on test-server"},
		{"online/backtest", "testdata/online_backtest.yaml:15:16: info: backtest on test-server"},
	} {
		base := filepath.Join("testdata", strings.NewReplacer("/", "_", "-", "_").Replace(tc.id))
		cfg := engine.DefaultConfig()
		if _, err := os.Stat(base + ".oomguard.yaml"); err == nil {
			f, err := config.Load(base+".oomguard.yaml", 0)
			if err != nil {
				t.Fatal(err)
			}
			cfg = f.Lint
		}
		load, err := os.ReadFile(base + ".series")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Online = onlineServer(t, string(load), base+".rules.json")
		got := findings(lintOnline(t, cfg, base+".yaml"), tc.id)
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, tc.want)
		}
		if !found {
			t.Errorf("no finding starts %q:\n%s", tc.want, strings.Join(got, "\n"))
		}
	}
}

// TestOnlineOffline: without a server, no online finding, and the window
// check uses the configured interval.
func TestOnlineOffline(t *testing.T) {
	for _, id := range []string{"online_missing_series", "online_missing_label", "online_record_exists", "online_backtest"} {
		cfg := engine.DefaultConfig()
		cfg.Backtest.Range = time.Hour
		if got := findings(lintOnline(t, cfg, filepath.Join("testdata", id+".yaml")), "online/"); len(got) > 0 {
			t.Errorf("%s offline: %v", id, got)
		}
	}
}

// TestOnlineFailures: a server that fails every answer (a 500) or cannot
// be reached gives no online finding, the offline checks run as offline,
// and the client counts the failures once a kind.
func TestOnlineFailures(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }))
	defer s.Close()
	for _, url := range []string{s.URL, "http://127.0.0.1:1"} {
		c, err := promapi.New(promapi.Config{URL: url, Rate: 1000})
		if err != nil {
			t.Fatal(err)
		}
		cfg := engine.DefaultConfig()
		cfg.Backtest.Range = time.Hour
		cfg.Online = &engine.Online{Servers: []engine.Server{{Prober: online.NewProber(c, online.Options{Now: onlineNow})}}}
		offline := findings(lintOnline(t, engine.DefaultConfig(), "testdata/promql_short_window.yaml"), "")
		got := findings(lintOnline(t, cfg, "testdata/promql_short_window.yaml"), "")
		if strings.Join(got, "\n") != strings.Join(offline, "\n") {
			t.Errorf("%s: online findings differ from offline:\n%s\n---\n%s", url, strings.Join(got, "\n"), strings.Join(offline, "\n"))
		}
		for _, id := range []string{"online_missing_series", "online_backtest"} {
			if got := findings(lintOnline(t, cfg, filepath.Join("testdata", id+".yaml")), "online/"); len(got) > 0 {
				t.Errorf("%s: %s: %v", url, id, got)
			}
		}
		fs := c.Failures()
		if len(fs) != 1 {
			t.Fatalf("%s: failures %v", url, fs)
		}
		if url == s.URL && (fs[0].Kind != promapi.KindServer || fs[0].Count < 2) {
			t.Errorf("500: %v", fs[0])
		}
		if url != s.URL && (fs[0].Kind != promapi.KindUnreachable || c.Unreachable() == nil) {
			t.Errorf("unreachable: %v", fs[0])
		}
	}
}

// TestOnlineShortWindow: the interval measured on the server replaces the
// configured one, and the finding names it; a selector the server has no
// series of keeps the configured one.
func TestOnlineShortWindow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, []byte(`groups:
  - name: g
    rules:
      - record: job:slow:rate3m
        expr: sum by (job) (rate(slow_total[3m]))
      - record: job:unknown:rate1m
        expr: sum by (job) (rate(unknown_total[1m]))
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := engine.DefaultConfig()
	cfg.Online = onlineServer(t, "load 1m\n  slow_total{job=\"a\"} 0+1x360\n", "")
	got := findings(lintOnline(t, cfg, path), "promql/short-window")
	want := []string{
		path + ":5:34: warning: rate() over [3m] covers 3 scrape intervals at the scrape interval measured on test-server, 1m: one missed scrape leaves it too few samples; use at least [4m] (4 intervals) (promql/short-window)",
		path + ":7:34: warning: rate() over [1m] covers 2 scrape intervals at an assumed scrape interval of 30s",
	}
	if len(got) != 2 || got[0] != want[0] || !strings.HasPrefix(got[1], want[1]) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
