package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/oomguard/oomguard/internal/cli"
)

// lintRules has, for each online check, rules it must report and rules it
// must leave alone, on the servers of startServers.
const lintRules = `groups:
  - name: e2e-online
    interval: 1m
    rules:
      - alert: MetricMisspelt
        expr: container_memory_rsss > 0
      - alert: JobMisspelt
        expr: container_memory_rss{job="kubelt"} > 0
      - alert: SeriesExist
        expr: container_memory_rss{job="kubelet"} > 1e15
      - alert: LabelMissing
        expr: sum by (pod_name) (container_memory_rss{job="kubelet"}) > 1e15
      - alert: LabelCarried
        expr: sum by (pod) (container_memory_rss{job="kubelet"}) > 1e15
        annotations:
          summary: "{{ $labels.pod }} holds more than a petabyte"
      - alert: ClusterLabel
        expr: sum by (cluster) (container_memory_rss{job="kubelet"}) > 1e15
      - alert: ErrorsBackfilled
        expr: oomguard_e2e_errors > 0
        for: 5m
      - alert: ErrorsKept
        expr: oomguard_e2e_errors > 0
        for: 5m
        keep_firing_for: 10m
      - alert: WindowShort
        expr: rate(oomguard_e2e_window_total[30s]) > 100
      - alert: WindowLong
        expr: rate(oomguard_e2e_window_total[90s]) > 100
`

// lintRecords records a name the pack records on the servers, a scraped
// name, and a new one.
const lintRecords = `groups:
  - name: e2e-records
    rules:
      - record: namespace_pod_container_node:oom_score:estimate
        expr: max by (node, namespace, pod, container) (container_memory_rss{job="kubelet"})
      - record: container_memory_rss
        expr: max by (job) (container_memory_rss{job="kubelet"})
      - record: e2e:container_memory_rss:sum
        expr: sum by (namespace) (container_memory_rss{job="kubelet"})
`

// lintFile is a rule file of the lint tests, and where things are in it.
type lintFile struct {
	path, src string
}

func writeLintFile(t *testing.T, dir, name, src string) lintFile {
	t.Helper()
	path := filepath.Join(dir, name)
	writeFile(t, path, []byte(src))
	return lintFile{path, src}
}

// at is "path:line:col" of the n-th (from 1) occurrence of text after the
// line of rule, columns in characters.
func (f lintFile) at(t *testing.T, rule, text string) string {
	t.Helper()
	lines := strings.Split(f.src, "\n")
	first, _ := f.rule(t, rule)
	for i := first - 1; i < len(lines); i++ {
		if j := strings.Index(lines[i], text); j >= 0 {
			return fmt.Sprintf("%s:%d:%d", f.path, i+1, len([]rune(lines[i][:j]))+1)
		}
	}
	t.Fatalf("no %q after rule %s", text, rule)
	return ""
}

// rule returns the first and last lines of the rule named name.
func (f lintFile) rule(t *testing.T, name string) (int, int) {
	t.Helper()
	lines := strings.Split(f.src, "\n")
	first := 0
	for i, l := range lines {
		tl := strings.TrimSpace(l)
		if first == 0 && (tl == "- alert: "+name || tl == "- record: "+name) {
			first = i + 1
			continue
		}
		if first > 0 && (strings.HasPrefix(tl, "- alert: ") || strings.HasPrefix(tl, "- record: ") || tl == "") {
			return first, i
		}
	}
	if first == 0 {
		t.Fatalf("no rule %s", name)
	}
	return first, len(lines)
}

// want is a finding lint must print: at, severity, check and parts of the
// message.
type want struct {
	at, severity, check string
	has                 []string
}

// checkFindings asserts each finding of wants is a line of out, and that
// the rules of none name no finding of the check in out.
func checkFindings(t *testing.T, out string, f lintFile, wants []want, none map[string][]string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	for _, w := range wants {
		found := false
		for _, l := range lines {
			if !strings.HasPrefix(l, w.at+": "+w.severity+": ") || !strings.HasSuffix(l, "("+w.check+")") {
				continue
			}
			ok := true
			for _, h := range w.has {
				ok = ok && strings.Contains(l, h)
			}
			found = found || ok
		}
		if !found {
			t.Errorf("no %s %s (%s) with %q in:\n%s", w.at, w.severity, w.check, w.has, out)
		}
	}
	for rule, checks := range none {
		first, last := f.rule(t, rule)
		for _, l := range lines {
			for line := first; line <= last; line++ {
				for _, c := range checks {
					if strings.HasPrefix(l, fmt.Sprintf("%s:%d:", f.path, line)) && strings.HasSuffix(l, "("+c+")") {
						t.Errorf("rule %s: a finding of %s: %s", rule, c, l)
					}
				}
			}
		}
	}
}

// testLint runs oomguard lint's online checks against the real servers.
func testLint(t *testing.T, s *onlineSetup) {
	dir := t.TempDir()
	rulesFile := writeLintFile(t, dir, "rules.yaml", lintRules)
	recordsFile := writeLintFile(t, dir, "records.yaml", lintRecords)
	// The TLS server's password comes from the environment.
	t.Setenv(cli.PasswordEnv, s.password)
	tlsArgs := []string{"--user", s.user, "--ca-file", s.caFile}

	backtest := func(forMinutes, keepMinutes int) string {
		n, longest := expectedFirings(forMinutes, keepMinutes)
		return fmt.Sprintf("it would have fired %d times, the longest for %s (", n, model.Duration(longest))
	}
	servers := []struct {
		name, url string
		args      []string
		thanos    bool
		history   bool // the backfilled series: cluster a's
	}{
		{"Prometheus", s.promA, nil, false, true},
		{"Prometheus behind TLS and basic auth", s.promB, tlsArgs, false, false},
		{"Thanos Query", s.query, nil, true, true},
	}
	for _, srv := range servers {
		t.Run("each online check on "+srv.name, func(t *testing.T) {
			f := rulesFile
			args := append([]string{"lint", "--source", "never", "--prometheus", srv.url, "--backtest", "12h"}, srv.args...)
			code, out, errOut := oomguard(append(args, f.path)...)
			if code != 1 {
				t.Errorf("exit %d, want 1\n%s%s", code, out, errOut)
			}
			if !strings.Contains(errOut, "oomguard lint: "+srv.url+": ") || strings.Contains(errOut, "oomguard lint: warning:") {
				t.Errorf("stderr: %s", errOut)
			}
			on := " on " + srv.url
			wants := []want{
				{f.at(t, "MetricMisspelt", "container_memory_rsss"), "warning", "online/missing-series", []string{"no series named container_memory_rsss" + on}},
				{f.at(t, "JobMisspelt", "container_memory_rss{"), "warning", "online/missing-series", []string{"container_memory_rss exists" + on + `, but no series of it has job="kubelt"`, `"kubelet"`}},
				{f.at(t, "LabelMissing", "pod_name"), "warning", "online/missing-label", []string{`by (pod_name) reads label "pod_name", which no series of container_memory_rss{job="kubelet"} carries` + on}},
			}
			none := map[string][]string{
				"SeriesExist":  {"online/missing-series", "online/missing-label"},
				"LabelCarried": {"online/missing-series", "online/missing-label"},
			}
			// The external label is on the series through Thanos only.
			if srv.thanos {
				none["ClusterLabel"] = []string{"online/missing-label"}
			} else {
				wants = append(wants, want{f.at(t, "ClusterLabel", "cluster"), "warning", "online/missing-label", []string{`reads label "cluster"`}})
			}
			if srv.history {
				labels := `oomguard_e2e_errors{`
				if srv.thanos {
					labels += `cluster="a", `
				}
				labels += `job="backfill"}`
				wants = append(wants,
					want{f.at(t, "ErrorsBackfilled", "ErrorsBackfilled"), "info", "online/backtest", []string{"backtest" + on + " over the last 12h at a 1m step: " + backtest(5, 0) + labels + "); 1 instance, 1 range query"}},
					want{f.at(t, "ErrorsKept", "ErrorsKept"), "info", "online/backtest", []string{backtest(5, 10)}},
					// Measured at 15s, a 30s window is two scrapes; offline,
					// at the assumed 30s, 90s would be 3.
					want{f.at(t, "WindowShort", "oomguard_e2e_window_total[30s]"), "warning", "promql/short-window", []string{"rate() over [30s] covers", "at the scrape interval measured" + on + ", 1"}},
				)
				// The history ends two hours ago: the series matched, and
				// no longer does.
				wants = append(wants, want{f.at(t, "ErrorsBackfilled", "oomguard_e2e_errors"), "warning", "online/missing-series", []string{"no series named oomguard_e2e_errors" + on + " in the last 1h; it matched until "}})
				none["WindowLong"] = []string{"promql/short-window"}
				none["WindowShort"] = []string{"online/missing-series"}
			} else {
				wants = append(wants,
					want{f.at(t, "ErrorsBackfilled", "oomguard_e2e_errors"), "warning", "online/missing-series", []string{"no series named oomguard_e2e_errors" + on + " in the last 1h (nor in the last 7d)"}},
					want{f.at(t, "ErrorsBackfilled", "ErrorsBackfilled"), "info", "online/backtest", []string{"backtest" + on + " over the last 12h at a 1m step: it would not have fired; 0 instances, 1 range query"}},
					want{f.at(t, "WindowLong", "oomguard_e2e_window_total[90s]"), "warning", "promql/short-window", []string{"at an assumed scrape interval of 30s"}},
				)
			}
			checkFindings(t, out, f, wants, none)
			if srv.history {
				// Above a number of firings, a warning.
				code, out, _ := oomguard(append(append(args, "--backtest-max-firings", "5"), f.path)...)
				checkFindings(t, out, f, []want{{f.at(t, "ErrorsBackfilled", "ErrorsBackfilled"), "warning", "online/backtest", []string{backtest(5, 0), "more than the 5 firings allowed"}}}, nil)
				if code != 1 {
					t.Errorf("--backtest-max-firings 5: exit %d", code)
				}
				_, out, _ = oomguard(append(append(args, "--backtest-max-firings", "6"), f.path)...)
				checkFindings(t, out, f, []want{{f.at(t, "ErrorsBackfilled", "ErrorsBackfilled"), "info", "online/backtest", []string{backtest(5, 0)}}}, nil)
			}

			// Recorded names.
			r := recordsFile
			code, out, errOut = oomguard(append(append([]string{"lint", "--source", "never", "--prometheus", srv.url}, srv.args...), r.path)...)
			if code != 1 {
				t.Errorf("records: exit %d\n%s%s", code, out, errOut)
			}
			checkFindings(t, out, r, []want{
				{r.at(t, "namespace_pod_container_node:oom_score:estimate", "namespace_pod_container_node"), "warning", "online/record-exists", []string{"namespace_pod_container_node:oom_score:estimate is already recorded" + on + " by group "}},
				{r.at(t, "container_memory_rss", "container_memory_rss"), "warning", "online/record-exists", []string{"series named container_memory_rss already exist" + on + ` (job "kubelet"), and no rule of the server records them`}},
			}, map[string][]string{"e2e:container_memory_rss:sum": {"online/record-exists"}})
		})
	}

	t.Run("the pack as the servers run it records nothing twice", func(t *testing.T) {
		pack := filepath.Join(dir, "pack.yaml")
		if code, _, errOut := oomguard("generate", "--format", "rules", "-o", pack); code != 0 {
			t.Fatalf("generate: exit %d: %s", code, errOut)
		}
		for _, srv := range servers {
			// The request rate is not what this asks about.
			code, out, errOut := oomguard(append(append([]string{"lint", "--source", "never", "--rate", "1000", "--prometheus", srv.url}, srv.args...), pack)...)
			if code > 1 || !strings.Contains(errOut, " requests") {
				t.Errorf("%s: exit %d\n%s", srv.name, code, errOut)
			}
			if strings.Contains(out, "(online/record-exists)") {
				t.Errorf("%s: the pack's own rules reported:\n%s", srv.name, out)
			}
		}
	})

	t.Run("named servers of the config, each for its files", func(t *testing.T) {
		cdir := t.TempDir()
		for _, d := range []string{"a", "b"} {
			if err := os.MkdirAll(filepath.Join(cdir, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		fa := writeLintFile(t, filepath.Join(cdir, "a"), "rules.yaml", lintRules)
		fb := writeLintFile(t, filepath.Join(cdir, "b"), "rules.yaml", lintRules)
		cfg := filepath.Join(cdir, ".oomguard.yaml")
		writeFile(t, cfg, fmt.Appendf(nil, `servers:
  - name: cluster-a
    url: %s
    paths: [a/*.yaml]
  - name: cluster-b
    url: %s
    basicAuth: {username: %s, password: "${E2E_B_PASSWORD}"}
    tls: {caFile: %s}
    paths: [b/*.yaml]
`, s.promA, s.promB, s.user, s.caFile))
		t.Setenv("E2E_B_PASSWORD", s.password)
		code, out, errOut := oomguard("lint", "--source", "never", "--config", cfg, fa.path, fb.path)
		if code != 1 {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
		checkFindings(t, out, fa, []want{{fa.at(t, "ErrorsBackfilled", "oomguard_e2e_errors"), "warning", "online/missing-series", []string{"no series named oomguard_e2e_errors on cluster-a in the last 1h; it matched until "}}}, nil)
		checkFindings(t, out, fb, []want{{fb.at(t, "ErrorsBackfilled", "oomguard_e2e_errors"), "warning", "online/missing-series", []string{"no series named oomguard_e2e_errors on cluster-b in the last 1h (nor in the last 7d)"}}}, nil)
		// Each server only for its files.
		if strings.Contains(strings.Join(linesOf(out, fa.path), "\n"), "cluster-b") || strings.Contains(strings.Join(linesOf(out, fb.path), "\n"), "cluster-a") {
			t.Errorf("a server asked about a file of the other:\n%s", out)
		}
		if strings.Contains(out+errOut, s.password) {
			t.Errorf("the password is printed")
		}
	})

	t.Run("credentials and CA through lint", func(t *testing.T) {
		f := rulesFile
		for _, tc := range []struct {
			name, password string
			args           []string
			want           string
		}{
			{"bad password", "wrong", []string{"--user", s.user, "--ca-file", s.caFile}, "oomguard: lint: server " + s.promB + " refused the credentials: 401 Unauthorized"},
			{"no credentials", s.password, []string{"--ca-file", s.caFile}, "oomguard: lint: server " + s.promB + " refused the credentials: 401 Unauthorized"},
			{"no CA", s.password, []string{"--user", s.user}, "certificate signed by unknown authority"},
			{"another CA", s.password, []string{"--user", s.user, "--ca-file", otherCA(t)}, "certificate signed by unknown authority"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Setenv(cli.PasswordEnv, tc.password)
				code, out, errOut := oomguard(append(append([]string{"lint", "--source", "never", "--prometheus", s.promB}, tc.args...), f.path)...)
				lastLine := errOut[strings.LastIndex(strings.TrimSuffix(errOut, "\n"), "\n")+1:]
				if code != 2 || !strings.Contains(lastLine, tc.want) || strings.Count(errOut, tc.want) != 1 {
					t.Errorf("exit %d, stderr %q; want exit 2 and the last line with %q", code, errOut, tc.want)
				}
				// The offline findings are out first.
				if !strings.Contains(out, "(promql/short-window)") || strings.Contains(out, "(online/") {
					t.Errorf("stdout:\n%s", out)
				}
				if strings.Contains(out+errOut, s.password) {
					t.Errorf("the password is printed")
				}
			})
		}
	})

	t.Run("a failing server gives one clear message", func(t *testing.T) {
		f := rulesFile
		target, _ := url.Parse(s.promA)
		for _, tc := range []struct {
			name  string
			fault func(w http.ResponseWriter, r *http.Request)
			args  []string
			want  string
		}{
			{"500", func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, `{"status":"error","errorType":"internal","error":"storage failed"}`, http.StatusInternalServerError)
			}, nil, "server error: 500 Internal Server Error"},
			{"timeout", func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(4 * time.Second):
				}
			}, []string{"--timeout", "1s"}, "timeout"},
			{"oversized answer", func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, `{"status":"success","data":{"resultType":"vector","result":[`+strings.Repeat(" ", 17<<20)+`]}}`)
			}, nil, "answer too large"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				// The real server behind, every request but the series
				// requests failing.
				proxy := httputil.NewSingleHostReverseProxy(target)
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/api/v1/series" {
						proxy.ServeHTTP(w, r)
						return
					}
					tc.fault(w, r)
				}))
				defer srv.Close()
				start := time.Now()
				code, out, errOut := oomguard(append(append([]string{"lint", "--source", "never", "--prometheus", srv.URL, "--backtest", "12h"}, tc.args...), f.path)...)
				took := time.Since(start)
				line := "oomguard lint: warning: server " + srv.URL + ": " + tc.want
				if code != 1 || strings.Count(errOut, "oomguard lint: warning:") != 1 || strings.Count(errOut, line) != 1 || !strings.Contains(errOut, "the online checks that needed those answers did not run") {
					t.Errorf("exit %d, stderr %q; want exit 1 and one warning %q", code, errOut, line)
				}
				// The offline checks make all their findings, and the
				// series answers theirs (after 3 timeouts, nothing more is
				// asked).
				wants := []want{{f.at(t, "WindowLong", "oomguard_e2e_window_total[90s]"), "warning", "promql/short-window", []string{"assumed"}}}
				if tc.name != "timeout" {
					wants = append(wants, want{f.at(t, "MetricMisspelt", "container_memory_rsss"), "warning", "online/missing-series", nil})
				}
				checkFindings(t, out, f, wants, nil)
				t.Logf("%s: %v, %s", tc.name, took.Round(time.Millisecond), strings.TrimSpace(errOut))
			})
		}
		t.Run("unreachable", func(t *testing.T) {
			addr := "http://" + freePort(t)
			code, out, errOut := oomguard("lint", "--source", "never", "--prometheus", addr, f.path)
			lastLine := errOut[strings.LastIndex(strings.TrimSuffix(errOut, "\n"), "\n")+1:]
			line := "oomguard: lint: server " + addr + " cannot be reached: "
			if code != 2 || !strings.HasPrefix(lastLine, line) || !strings.Contains(lastLine, "connection refused") || strings.Count(errOut, "cannot be reached") != 1 {
				t.Errorf("exit %d, stderr %q; want exit 2 and last %q", code, errOut, line)
			}
			if !strings.Contains(out, "(promql/short-window)") {
				t.Errorf("the offline findings are not printed:\n%s", out)
			}
		})
	})
}

// linesOf returns the lines of out about the file path.
func linesOf(out, path string) []string {
	var ls []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, path+":") {
			ls = append(ls, l)
		}
	}
	return ls
}

// testLintCost prints what an online lint of the pack and of
// kubernetes-mixin's rules costs against the servers: requests and wall
// time, with and without a week's backtest, unbounded and, with
// OOMGUARD_E2E_LINT_COST set, at the default request rate. Figures, not assertions (docs/benchmarks.md quotes
// them); what it asserts is that the online run keeps every offline
// finding.
func testLintCost(t *testing.T, s *onlineSetup) {
	dir := t.TempDir()
	pack := filepath.Join(dir, "pack.yaml")
	if code, _, errOut := oomguard("generate", "--format", "rules", "-o", pack); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errOut)
	}
	mixin := filepath.Join("..", "testdata", "realworld", "kubernetes-mixin")
	inputs := []struct {
		name  string
		files []string
	}{
		{"the pack", []string{pack}},
		{"kubernetes-mixin", []string{filepath.Join(mixin, "prometheus_rules.yaml"), filepath.Join(mixin, "prometheus_alerts.yaml")}},
	}
	// offline keeps the findings of the offline checks: the online
	// checks' and the window check's (which reads the measured interval)
	// are not.
	offline := func(out string) string {
		var keep []string
		for _, l := range strings.Split(out, "\n") {
			if !strings.Contains(l, "(online/") && !strings.Contains(l, "(promql/short-window)") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	for _, in := range inputs {
		start := time.Now()
		_, offOut, _ := oomguard(append([]string{"lint", "--source", "never"}, in.files...)...)
		t.Logf("%s offline: %v, %d findings", in.name, time.Since(start).Round(time.Millisecond), strings.Count(offOut, "\n"))
		for _, srv := range []struct{ name, url string }{{"Prometheus", s.promA}, {"Thanos Query", s.query}} {
			runs := [][]string{{"--rate", "1000"}, {"--rate", "1000", "--backtest", "7d"}}
			// At the default rate, the time is the number of requests
			// over 20 a second: a minute of waiting, on request.
			if os.Getenv("OOMGUARD_E2E_LINT_COST") != "" {
				runs = append([][]string{nil}, runs...)
			}
			for _, extra := range runs {
				args := append(append([]string{"lint", "--source", "never", "--prometheus", srv.url}, extra...), in.files...)
				start := time.Now()
				code, out, errOut := oomguard(args...)
				took := time.Since(start)
				if code > 1 {
					t.Errorf("%s on %s %v: exit %d\n%s", in.name, srv.name, extra, code, errOut)
					continue
				}
				if offline(out) != offline(offOut) {
					t.Errorf("%s on %s %v: the offline findings differ from an offline run's", in.name, srv.name, extra)
				}
				requests := "?"
				if i := strings.Index(errOut, srv.url+": "); i >= 0 {
					requests = strings.Fields(errOut[i+len(srv.url)+2:])[0]
				}
				t.Logf("%s on %s, %v: %s requests, %v, %d online findings", in.name, srv.name, extra, requests, took.Round(time.Millisecond), strings.Count(out, "(online/"))
			}
		}
	}
}
