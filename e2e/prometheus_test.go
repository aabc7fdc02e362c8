package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oomguard/oomguard/rules"
)

// exporter serves cAdvisor and kube-state-metrics series for four
// containers with known troubles and a healthy one, counters growing with
// time.
type exporter struct {
	start time.Time
	// ksmScrapes counts scrapes of kube-state-metrics: the OOM-killed
	// container restarts after a few, so that Prometheus sees the counter
	// go up.
	ksmScrapes atomic.Int64
}

type container struct {
	pod                string
	workingSet, limit  float64
	rss                float64 // anonymous memory; the rest of the working set is active page cache
	limitHits          float64 // failcnt a second (cgroup v1)
	user, system       float64 // CPU seconds a second
	periods, throttled float64 // CFS periods a second
	oomKilled          bool
	restartAfter       int64 // scrapes of kube-state-metrics before the restart; 0: never
	cpuLimit           float64
}

var containers = []container{
	{pod: "hot", workingSet: 950, rss: 475, limit: 1000, user: 0.05, system: 0.001, periods: 10, cpuLimit: 2},
	// At the limit with anonymous memory: it will be OOM-killed.
	{pod: "anon", workingSet: 990, rss: 980, limit: 1000, limitHits: 2, user: 0.05, system: 0.001, periods: 10, cpuLimit: 2},
	// At the limit with page cache: in no danger, no page. It hits its
	// limit all the time, as the kernel reclaims the cache.
	{pod: "cache", workingSet: 990, rss: 40, limit: 1000, limitHits: 50, user: 0.05, system: 0.001, periods: 10, cpuLimit: 2},
	{pod: "oom", workingSet: 100, rss: 50, limit: 1000, user: 0.05, system: 0.001, periods: 10, cpuLimit: 2, oomKilled: true, restartAfter: 5},
	{pod: "kernel", workingSet: 100, rss: 50, limit: 1000, user: 0.2, system: 0.6, periods: 10, cpuLimit: 2},
	{pod: "throttled", workingSet: 100, rss: 50, limit: 1000, user: 0.05, system: 0.001, periods: 10, throttled: 5, cpuLimit: 2},
	{pod: "healthy", workingSet: 100, rss: 50, limit: 1000, user: 0.1, system: 0.001, periods: 10, cpuLimit: 2},
}

func (e *exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Since(e.start).Seconds()
	var b strings.Builder
	metric := func(name, typ string) { fmt.Fprintf(&b, "# TYPE %s %s\n", name, typ) }
	l := func(c container, extra string) string {
		return fmt.Sprintf(`namespace="ns",pod="%s",container="app"%s`, c.pod, extra)
	}
	switch r.URL.Path {
	case "/metrics/cadvisor":
		cad := `,image="img",id="/kubepods/x",name="n"`
		metric("container_memory_working_set_bytes", "gauge")
		for _, c := range containers {
			fmt.Fprintf(&b, "container_memory_working_set_bytes{%s} %g\n", l(c, cad), c.workingSet)
		}
		metric("container_memory_rss", "gauge")
		for _, c := range containers {
			fmt.Fprintf(&b, "container_memory_rss{%s} %g\n", l(c, cad), c.rss)
		}
		// A cgroup v1 node under a kubelet whose cAdvisor is 0.57 or
		// later: failcnt counts the limit hits, memory.events max is
		// exported too and stays 0.
		metric("container_memory_failcnt", "counter")
		for _, c := range containers {
			fmt.Fprintf(&b, "container_memory_failcnt{%s} %g\n", l(c, cad), c.limitHits*now)
		}
		metric("container_memory_events_max_total", "counter")
		for _, c := range containers {
			fmt.Fprintf(&b, "container_memory_events_max_total{%s} 0\n", l(c, cad))
		}
		for _, m := range []struct {
			name string
			rate func(container) float64
		}{
			{"container_cpu_user_seconds_total", func(c container) float64 { return c.user }},
			{"container_cpu_system_seconds_total", func(c container) float64 { return c.system }},
			{"container_cpu_usage_seconds_total", func(c container) float64 { return c.user + c.system }},
			{"container_cpu_cfs_periods_total", func(c container) float64 { return c.periods }},
			{"container_cpu_cfs_throttled_periods_total", func(c container) float64 { return c.throttled }},
		} {
			metric(m.name, "counter")
			for _, c := range containers {
				fmt.Fprintf(&b, "%s{%s} %g\n", m.name, l(c, cad), m.rate(c)*now)
			}
		}
	case "/metrics":
		scrapes := e.ksmScrapes.Add(1)
		// kube-state-metrics labels every pod series with the pod's uid.
		ksm := func(c container, extra string) string { return l(c, `,uid="uid-`+c.pod+`"`+extra) }
		metric("kube_pod_container_resource_limits", "gauge")
		for _, c := range containers {
			fmt.Fprintf(&b, "kube_pod_container_resource_limits{%s} %g\n", ksm(c, `,node="n1",resource="memory",unit="byte"`), c.limit)
			fmt.Fprintf(&b, "kube_pod_container_resource_limits{%s} %g\n", ksm(c, `,node="n1",resource="cpu",unit="core"`), c.cpuLimit)
		}
		metric("kube_pod_container_status_running", "gauge")
		for _, c := range containers {
			fmt.Fprintf(&b, "kube_pod_container_status_running{%s} 1\n", ksm(c, ""))
		}
		// The last termination's series exist once a container has
		// terminated: after the restart.
		restarted := func(c container) bool { return c.restartAfter > 0 && scrapes > c.restartAfter }
		metric("kube_pod_container_status_last_terminated_reason", "gauge")
		for _, c := range containers {
			if restarted(c) && c.oomKilled {
				fmt.Fprintf(&b, "kube_pod_container_status_last_terminated_reason{%s} 1\n", ksm(c, `,reason="OOMKilled"`))
			}
		}
		metric("kube_pod_container_status_last_terminated_timestamp", "gauge")
		for _, c := range containers {
			if restarted(c) {
				fmt.Fprintf(&b, "kube_pod_container_status_last_terminated_timestamp{%s} %d\n", ksm(c, ""), e.start.Unix()+c.restartAfter)
			}
		}
		metric("kube_pod_container_status_restarts_total", "counter")
		for _, c := range containers {
			v := 0
			if restarted(c) {
				v = 1
			}
			fmt.Fprintf(&b, "kube_pod_container_status_restarts_total{%s} %d\n", ksm(c, ""), v)
		}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	io.WriteString(w, b.String())
}

func startPrometheus(t *testing.T, bin, dir string) *process {
	t.Helper()
	addr := freePort(t)
	p := startProcess(t, "prometheus", bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--web.enable-lifecycle",
	)
	p.url = "http://" + addr
	waitFor(t, 60*time.Second, "Prometheus to be ready", func() (bool, string) {
		resp, err := http.Get(p.url + "/-/ready")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == 200, resp.Status
	})
	return p
}

type alertsResponse struct {
	Data struct {
		Alerts []struct {
			Labels map[string]string `json:"labels"`
			State  string            `json:"state"`
		} `json:"alerts"`
	} `json:"data"`
}

// TestPrometheusFiresThePack loads the generated pack (with short for
// durations) into a real Prometheus 3.16 that scrapes a synthetic
// exporter, and waits for the alerts each troubled container must fire.
func TestPrometheusFiresThePack(t *testing.T) {
	bin := tool(t, "OOMGUARD_PROMETHEUS", "prometheus")
	// Every alert with for: 0s.
	ruleFile, err := packRuleFile()
	if err != nil {
		t.Fatal(err)
	}
	pack, errs := rules.Parse("rules.yaml", ruleFile, rules.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), ruleFile, 0o644); err != nil {
		t.Fatal(err)
	}

	exp := httptest.NewServer(&exporter{start: time.Now()})
	defer exp.Close()
	target := strings.TrimPrefix(exp.URL, "http://")
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yaml]
scrape_configs:
  - job_name: kubelet
    metrics_path: /metrics/cadvisor
    static_configs: [{targets: [%q]}]
    relabel_configs:
      - {source_labels: [__metrics_path__], target_label: metrics_path}
  - job_name: kube-state-metrics
    static_configs: [{targets: [%q]}]
`, target, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	prom := startPrometheus(t, bin, dir)

	want := map[string]string{ // alert name -> pod
		"ContainerMemoryNearLimit":    "hot",
		"ContainerMemoryAtLimit":      "anon",
		"ContainerMemoryLimitHits":    "anon",
		"ContainerOOMKilled":          "oom",
		"ContainerCPUSystemShareHigh": "kernel",
		"ContainerCPUThrottlingHigh":  "throttled",
	}
	var firing map[string]bool
	waitFor(t, 90*time.Second, "the alerts to fire", func() (bool, string) {
		var r alertsResponse
		getJSON(t, prom.url+"/api/v1/alerts", &r)
		firing = map[string]bool{}
		for _, a := range r.Data.Alerts {
			if a.State == "firing" {
				firing[a.Labels["alertname"]+"/"+a.Labels["pod"]] = true
			}
		}
		for name, pod := range want {
			if !firing[name+"/"+pod] {
				return false, fmt.Sprintf("firing: %v", firing)
			}
		}
		return true, ""
	})
	for k := range firing {
		if strings.HasSuffix(k, "/healthy") {
			t.Errorf("the healthy container fires %s", k)
		}
	}
	// A limit full of page cache warns (working set) but does not page.
	if !firing["ContainerMemoryNearLimit/cache"] || firing["ContainerMemoryAtLimit/cache"] || firing["ContainerMemoryLimitHits/cache"] {
		t.Errorf("the page-cache container: want ContainerMemoryNearLimit and neither ContainerMemoryAtLimit nor ContainerMemoryLimitHits, firing: %v", firing)
	}

	// Recording rules give the expected values.
	var q struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  []any             `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	getJSON(t, prom.url+"/api/v1/query?query="+urlQuery(`namespace_pod_container:container_memory_working_set_bytes:limit_ratio{pod="hot"}`), &q)
	if len(q.Data.Result) != 1 || q.Data.Result[0].Value[1] != "0.95" {
		t.Errorf("working set ratio of hot: %+v", q.Data.Result)
	}
	// The constant memory.events max does not hide the rising failcnt.
	getJSON(t, prom.url+"/api/v1/query?query="+urlQuery(`namespace_pod_container:container_memory_limit_hits:rate5m{pod="anon"}`), &q)
	if len(q.Data.Result) != 1 || q.Data.Result[0].Metric["source"] != "failcnt" {
		t.Errorf("limit hits of anon: want one series with source failcnt, got %+v", q.Data.Result)
	}

	// A reload with a broken rule file is refused; the rules stay.
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte("groups:\n  - name: broken\n    rules:\n      - alert: X\n        expr: sum(\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(prom.url+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Errorf("the broken rule file was accepted")
	}
	var rulesResp struct {
		Data struct {
			Groups []struct {
				Name string `json:"name"`
			} `json:"groups"`
		} `json:"data"`
	}
	getJSON(t, prom.url+"/api/v1/rules", &rulesResp)
	if len(rulesResp.Data.Groups) != len(pack.Groups()) {
		t.Errorf("after the refused reload %d groups are loaded, want the %d of before", len(rulesResp.Data.Groups), len(pack.Groups()))
	}
}

func urlQuery(q string) string { return url.QueryEscape(q) }
