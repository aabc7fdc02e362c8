package cli

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oomguard/oomguard/internal/apitest"
)

// Six hours of series from the epoch; the online checks look from their
// end.
const onlineLoad = `load 1m
  up{job="node", instance="a"} 1x360
  container_memory_working_set_bytes{job="kubelet", namespace="default", pod="p1", container="c"} 100x360
  http_requests_total{job="api"} 0+1x360
`

// onlineRules has one finding for each online check and one offline
// (promql/short-window at the assumed 30s).
const onlineRules = `groups:
  - name: g
    rules:
      - alert: NoSuchMetric
        expr: container_memory_workingset_bytes > 0
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d, runbook_url: r}
      - alert: NodeMissing
        expr: sum by (node) (container_memory_working_set_bytes) > 0
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d, runbook_url: r}
      - record: job:http_requests:rate30s
        expr: sum by (job) (rate(http_requests_total[30s]))
`

func runOnline(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	old := lintNow
	lintNow = func() time.Time { return time.Unix(0, 0).Add(6 * time.Hour) }
	t.Cleanup(func() { lintNow = old })
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errOut strings.Builder
	code = Main(args, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

func writeRules(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, []byte(onlineRules), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLintOnline: the online findings at the selector and the label they
// are about, beside the offline ones, and the requests sent.
func TestLintOnline(t *testing.T) {
	srv := apitest.New(t, onlineLoad)
	srv.SetRules(`{"groups": []}`)
	path := writeRules(t)
	code, out, errOut := runOnline(t, nil, "lint", "--source", "never", "--prometheus", srv.URL, path)
	if code != ExitFindings {
		t.Errorf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		path + ":5:15: warning: container_memory_workingset_bytes: no series named container_memory_workingset_bytes on " + srv.URL,
		path + ":10:23: warning: by (node) reads label \"node\", which no series of container_memory_working_set_bytes carries on " + srv.URL + " (online/missing-label)",
		// The measured interval, 1m, makes the window shorter still.
		path + ":15:34: warning: rate() over [30s] covers 0.5 scrape intervals at the scrape interval measured on " + srv.URL + ", 1m",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "oomguard lint: "+srv.URL+": ") || !strings.Contains(errOut, " requests\n") {
		t.Errorf("stderr does not count the requests: %s", errOut)
	}
	// A selector read twice is asked once: a second run over two copies
	// of the file sends what one sends.
	one := srv.Requests("/api/v1/series")
	two := filepath.Join(filepath.Dir(path), "again.yaml")
	if err := os.WriteFile(two, []byte(onlineRules), 0o644); err != nil {
		t.Fatal(err)
	}
	runOnline(t, nil, "lint", "--prometheus", srv.URL, path, two)
	if got := srv.Requests("/api/v1/series") - one; got != one {
		t.Errorf("two copies sent %d series requests, one copy %d", got, one)
	}
}

// TestLintOffline: without a server, nothing is asked and the online
// checks say nothing.
func TestLintOffline(t *testing.T) {
	srv := apitest.New(t, onlineLoad)
	path := writeRules(t)
	dir := filepath.Dir(path)
	cfg := filepath.Join(dir, "cfg.yaml")
	if err := os.WriteFile(cfg, []byte("servers:\n  - url: "+srv.URL+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"lint", "--source", "never", path},
		{"lint", "--source", "never", "--config", cfg, "--offline", path},
	} {
		code, out, errOut := runOnline(t, nil, args...)
		if code != ExitFindings || strings.Contains(out, "online/") || strings.Contains(errOut, "request") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		if !strings.Contains(out, "assumed scrape interval of 30s") {
			t.Errorf("%v: the offline window check is gone:\n%s", args, out)
		}
	}
	if n := srv.Requests("/api/v1/series") + srv.Requests("/api/v1/query"); n != 0 {
		t.Errorf("an offline run sent %d requests", n)
	}
}

// TestLintServersConfig: named servers of the config, each for the files
// its paths match.
func TestLintServersConfig(t *testing.T) {
	srv := apitest.New(t, onlineLoad)
	srv.SetRules(`{"groups": []}`)
	dir := t.TempDir()
	for _, d := range []string{"prod", "staging"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, d, "rules.yaml"), []byte(onlineRules), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(t.TempDir(), "cfg.yaml")
	if err := os.WriteFile(cfg, []byte("servers:\n  - name: prod\n    url: "+srv.URL+"\n    headers: {X-Scope-OrgID: '${ORG}'}\n    paths: [prod/*.yaml]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A variable that is not set: the config's entry, the variable.
	code, _, errOut := runOnline(t, nil, "lint", "--config", cfg, dir)
	if code != ExitNoRun || !strings.Contains(errOut, cfg+":2:5: server prod: environment variable ORG is not set") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	code, out, errOut := runOnline(t, map[string]string{"ORG": "team-a"}, "lint", "--source", "never", "--config", cfg, dir)
	if code != ExitFindings {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	prod := filepath.Join(dir, "prod", "rules.yaml") + ":5:15: warning: container_memory_workingset_bytes: no series named container_memory_workingset_bytes on prod"
	if !strings.Contains(out, prod) {
		t.Errorf("no %q in\n%s", prod, out)
	}
	if strings.Contains(out, filepath.Join("staging", "rules.yaml")+":5:15") {
		t.Errorf("staging, which no server evaluates, was asked about:\n%s", out)
	}
}

// TestLintServerFailures: a 500, a timeout and an oversized answer each
// give one warning line for the server, whatever the number of rules, and
// the offline findings still print; a server that cannot be reached or
// refuses the credentials is exit 2, after them.
func TestLintServerFailures(t *testing.T) {
	path := writeRules(t)
	serve := func(h http.HandlerFunc) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL
	}
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		u := "http://" + l.Addr().String()
		l.Close()
		return u
	}()
	big := strings.Repeat("x", 17<<20)
	for _, tc := range []struct {
		name  string
		url   string
		args  []string
		code  int
		line  string
		count string
	}{
		{"500", serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }), nil, ExitFindings,
			"oomguard lint: warning: server URL: server error: 500 Internal Server Error", "server error"},
		{"timeout", serve(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}), []string{"--timeout", "300ms"}, ExitFindings, "oomguard lint: warning: server URL: timeout: ", "timeout"},
		{"oversized", serve(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"status":"success","data":"` + big + `"}`))
		}), nil, ExitFindings, "oomguard lint: warning: server URL: answer too large: the answer to /api/v1/", "answer too large"},
		{"unreachable", closed, nil, ExitNoRun, "oomguard: lint: server URL cannot be reached: ", ""},
		{"401", serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 401) }), nil, ExitNoRun,
			"oomguard: lint: server URL refused the credentials: 401 Unauthorized", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"lint", "--source", "never", "--prometheus", tc.url}, tc.args...)
			code, out, errOut := runOnline(t, nil, append(args, path)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, errOut)
			}
			// The offline findings, printed whatever the server did.
			if !strings.Contains(out, "(promql/short-window)") || strings.Contains(out, "(online/") {
				t.Errorf("stdout:\n%s", out)
			}
			line := strings.ReplaceAll(tc.line, "URL", tc.url)
			if n := strings.Count(errOut, line); n != 1 {
				t.Errorf("%d lines %q in\n%s", n, line, errOut)
			}
			if tc.count != "" && strings.Count(errOut, "warning:") != 1 {
				t.Errorf("more than one warning:\n%s", errOut)
			}
			if tc.code == ExitNoRun && strings.Index(errOut, line) < strings.Index(errOut, "requests") {
				t.Errorf("the fatal error is not the last word:\n%s", errOut)
			}
		})
	}
	// --fail-on error: the failures of answers are warnings.
	url := serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	if code, _, errOut := runOnline(t, nil, "lint", "--fail-on", "error", "--prometheus", url, path); code != ExitOK {
		t.Errorf("--fail-on error: exit %d\n%s", code, errOut)
	}
}

// TestLintSecretsNotPrinted: a password from the environment appears in no
// output, whatever happens.
func TestLintSecretsNotPrinted(t *testing.T) {
	path := writeRules(t)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 403) }))
	defer s.Close()
	const secret = "s3cr3t-pa55"
	code, out, errOut := runOnline(t, map[string]string{PasswordEnv: secret}, "lint", "--prometheus", s.URL, "--user", "ci", path)
	if code != ExitNoRun || strings.Contains(out+errOut, secret) {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

// TestLintOnlineUsage: server flags without a server, and a backtest
// without one, are usage errors.
func TestLintOnlineUsage(t *testing.T) {
	path := writeRules(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--user", "ci"}, "--user describes the server of --prometheus: give --prometheus URL"},
		{[]string{"--backtest", "7d"}, "--backtest needs a server"},
		{[]string{"--prometheus", "http://p:9090", "--backtest", "a week"}, `--backtest "a week": want a range above 0 such as 7d`},
		{[]string{"--prometheus", "http://p:9090", "--offline"}, "--prometheus and --offline do not go together"},
		{[]string{"--prometheus", "p:9090"}, "the URL must be http:// or https://"},
	} {
		code, _, errOut := runOnline(t, nil, append(append([]string{"lint"}, tc.args...), path)...)
		if code != ExitNoRun || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d: %s", tc.args, code, errOut)
		}
	}
}

// TestLintBacktest: --backtest replays the alerts; --backtest-max-firings
// makes more firings a warning.
func TestLintBacktest(t *testing.T) {
	srv := apitest.New(t, onlineLoad)
	srv.SetRules(`{"groups": []}`)
	path := writeRules(t)
	_, out, errOut := runOnline(t, nil, "lint", "--source", "never", "--prometheus", srv.URL, "--backtest", "6h", path)
	// Active from the start, firing from 5m on (for: 5m) to the end.
	want := path + ":9:16: info: backtest on " + srv.URL + " over the last 6h at a 1m step: it would have fired once, the longest for 5h55m; 1 firing now; 1 instance, 1 range query (online/backtest)"
	if !strings.Contains(out, want) {
		t.Errorf("no %q in\n%s%s", want, out, errOut)
	}
	_, out, _ = runOnline(t, nil, "lint", "--source", "never", "--prometheus", srv.URL, "--backtest", "6h", "--backtest-max-firings", "0", path)
	if !strings.Contains(out, ":9:16: info: backtest") {
		t.Errorf("0 is no limit:\n%s", out)
	}
	// Without --backtest, no replay.
	before := srv.Requests("/api/v1/query_range")
	_, out, _ = runOnline(t, nil, "lint", "--source", "never", "--prometheus", srv.URL, path)
	if strings.Contains(out, "online/backtest") || srv.Requests("/api/v1/query_range") != before {
		t.Errorf("a backtest without --backtest:\n%s", out)
	}
}

// TestLintFailuresAlone: rules without findings against a server that
// fails every answer have not passed: exit 1, and the summary says why.
func TestLintFailuresAlone(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 503) }))
	defer s.Close()
	path := filepath.Join(t.TempDir(), "clean.yaml")
	if err := os.WriteFile(path, []byte("groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runOnline(t, nil, "lint", "--prometheus", s.URL, path)
	if code != ExitFindings || out != "" {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"oomguard lint: 1 file, 1 rule: no findings\n",
		"oomguard lint: warning: server " + s.URL + ": server error: 503 Service Unavailable",
		"oomguard lint: 2 requests of the online checks failed: a warning (--fail-on error lets it pass)\n",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("no %q in\n%s", want, errOut)
		}
	}
	if code, _, _ := runOnline(t, nil, "lint", "--fail-on", "error", "--prometheus", s.URL, path); code != ExitOK {
		t.Errorf("--fail-on error: exit %d", code)
	}
}
