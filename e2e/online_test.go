package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"golang.org/x/crypto/bcrypt"

	"github.com/oomguard/oomguard/internal/cli"
	"github.com/oomguard/oomguard/jsonnet"
	"github.com/oomguard/oomguard/online"
	"github.com/oomguard/oomguard/promapi"
)

// A cluster of the online tests: pods as the kubelet and kube-state-metrics
// see them, served as cAdvisor and kube-state-metrics series by
// podExporter.
type onlinePod struct {
	name, node, qos string
	containers      []onlineContainer
}

type onlineContainer struct {
	name                 string
	request, limit       int64 // memory bytes; 0: unset
	rss, swap            int64
	workingSet           int64
	growthBytesPerSecond int64
}

// Both clusters name their nodes alike, so that merging clusters would
// show.
var onlineClusters = map[string]struct {
	capacity map[string]int64
	pods     []onlinePod
}{
	"a": {
		capacity: map[string]int64{"node-1": 8192 * mib, "node-2": 4096 * mib},
		pods: []onlinePod{
			{"besteffort", "node-1", "BestEffort", []onlineContainer{{name: "app", rss: 100 * mib, workingSet: 120 * mib}}},
			{"small", "node-1", "Burstable", []onlineContainer{{name: "app", request: 256 * mib, limit: 1024 * mib, rss: 200 * mib, workingSet: 300 * mib}}},
			{"big", "node-1", "Burstable", []onlineContainer{{name: "app", request: 4096 * mib, limit: 6144 * mib, rss: 3072 * mib, swap: 64 * mib, workingSet: 3500 * mib}}},
			{"guaranteed", "node-1", "Guaranteed", []onlineContainer{{name: "app", request: 1024 * mib, limit: 1024 * mib, rss: 900 * mib, workingSet: 900 * mib}}},
			{"cpuonly", "node-2", "Burstable", []onlineContainer{{name: "app", rss: 50 * mib, workingSet: 60 * mib}}},
			{"two", "node-2", "Burstable", []onlineContainer{
				{name: "main", request: 512 * mib, limit: 2048 * mib, rss: 400 * mib, workingSet: 1024 * mib, growthBytesPerSecond: mib},
				{name: "sidecar", request: 64 * mib, limit: 128 * mib, rss: 30 * mib, workingSet: 40 * mib},
			}},
		},
	},
	"b": {
		capacity: map[string]int64{"node-1": 16384 * mib},
		pods: []onlinePod{
			{"db", "node-1", "Burstable", []onlineContainer{{name: "postgres", request: 8192 * mib, limit: 12288 * mib, rss: 7000 * mib, workingSet: 9000 * mib}}},
			{"web", "node-1", "Burstable", []onlineContainer{{name: "nginx", request: 128 * mib, limit: 512 * mib, rss: 90 * mib, workingSet: 100 * mib}}},
			{"batch", "node-1", "BestEffort", []onlineContainer{{name: "job", rss: 900 * mib, workingSet: 1000 * mib}}},
			{"huge", "node-1", "Burstable", []onlineContainer{{name: "app", request: 32768 * mib, rss: 10 * mib, workingSet: 10 * mib}}},
		},
	},
}

// podExporter serves one cluster's pods: cAdvisor on /metrics/cadvisor,
// kube-state-metrics on /metrics, as the real exporters label them.
type podExporter struct {
	start    time.Time
	capacity map[string]int64
	pods     []onlinePod
}

func (e *podExporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	elapsed := time.Since(e.start).Seconds()
	var b strings.Builder
	typ := func(name, t string) { fmt.Fprintf(&b, "# TYPE %s %s\n", name, t) }
	each := func(f func(p onlinePod, c onlineContainer, labels string)) {
		for _, p := range e.pods {
			for _, c := range p.containers {
				f(p, c, fmt.Sprintf(`namespace="ns",pod=%q,container=%q`, p.name, c.name))
			}
		}
	}
	switch r.URL.Path {
	case "/metrics/cadvisor":
		cad := `,image="img",id="/kubepods/x",name="n"`
		typ("container_memory_working_set_bytes", "gauge")
		each(func(_ onlinePod, c onlineContainer, l string) {
			fmt.Fprintf(&b, "container_memory_working_set_bytes{%s%s} %d\n", l, cad, c.workingSet+int64(float64(c.growthBytesPerSecond)*elapsed))
		})
		typ("container_memory_rss", "gauge")
		each(func(_ onlinePod, c onlineContainer, l string) {
			fmt.Fprintf(&b, "container_memory_rss{%s%s} %d\n", l, cad, c.rss)
		})
		typ("container_memory_swap", "gauge")
		each(func(_ onlinePod, c onlineContainer, l string) {
			fmt.Fprintf(&b, "container_memory_swap{%s%s} %d\n", l, cad, c.swap)
		})
	case "/metrics/window":
		// Scraped every windowInterval, after the same series backfilled
		// at that interval.
		typ("oomguard_e2e_window_total", "counter")
		fmt.Fprintf(&b, "oomguard_e2e_window_total %d\n", windowSamples+int64(elapsed))
	case "/metrics":
		typ("kube_node_status_capacity", "gauge")
		for node, c := range e.capacity {
			fmt.Fprintf(&b, "kube_node_status_capacity{node=%q,resource=\"memory\",unit=\"byte\"} %d\n", node, c)
		}
		typ("kube_pod_info", "gauge")
		typ("kube_pod_status_qos_class", "gauge")
		for _, p := range e.pods {
			fmt.Fprintf(&b, "kube_pod_info{namespace=\"ns\",pod=%q,node=%q,priority_class=\"\",created_by_kind=\"ReplicaSet\"} 1\n", p.name, p.node)
			for _, class := range []string{"BestEffort", "Burstable", "Guaranteed"} {
				v := 0
				if class == p.qos {
					v = 1
				}
				fmt.Fprintf(&b, "kube_pod_status_qos_class{namespace=\"ns\",pod=%q,qos_class=%q} %d\n", p.name, class, v)
			}
		}
		typ("kube_pod_container_info", "gauge")
		each(func(_ onlinePod, _ onlineContainer, l string) {
			fmt.Fprintf(&b, "kube_pod_container_info{%s,image=\"img\"} 1\n", l)
		})
		typ("kube_pod_container_resource_requests", "gauge")
		each(func(_ onlinePod, c onlineContainer, l string) {
			if c.request > 0 {
				fmt.Fprintf(&b, "kube_pod_container_resource_requests{%s,resource=\"memory\",unit=\"byte\"} %d\n", l, c.request)
			}
		})
		typ("kube_pod_container_resource_limits", "gauge")
		each(func(_ onlinePod, c onlineContainer, l string) {
			if c.limit > 0 {
				fmt.Fprintf(&b, "kube_pod_container_resource_limits{%s,resource=\"memory\",unit=\"byte\"} %d\n", l, c.limit)
			}
		})
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	io.WriteString(w, b.String())
}

// kubeletOOMScoreAdj is the kubelet's oom_score_adj for a container
// (pkg/kubelet/qos/policy.go), in its integer arithmetic.
func kubeletOOMScoreAdj(qos string, request, capacity int64) int {
	switch qos {
	case "Guaranteed":
		return -997
	case "BestEffort":
		return 1000
	}
	adj := 1000 - (1000*request)/capacity
	if adj < 1000-997 {
		return 1000 - 997
	}
	if adj == 1000 {
		return 999
	}
	return int(adj)
}

// expectedKillOrder is, per cluster/node, the containers in the order the
// kernel kills them: by 1000 * (rss + swap) / capacity + oom_score_adj.
func expectedKillOrder() map[string][]string {
	type scored struct {
		id    string
		score float64
		adj   int
	}
	byNode := map[string][]scored{}
	for cluster, cl := range onlineClusters {
		for _, p := range cl.pods {
			for _, c := range p.containers {
				capacity := cl.capacity[p.node]
				adj := kubeletOOMScoreAdj(p.qos, c.request, capacity)
				s := 1000*float64(c.rss+c.swap)/float64(capacity) + float64(adj)
				k := cluster + "/" + p.node
				byNode[k] = append(byNode[k], scored{fmt.Sprintf("ns/%s/%s adj=%d", p.name, c.name, adj), s, adj})
			}
		}
	}
	out := map[string][]string{}
	for k, ss := range byNode {
		sort.Slice(ss, func(i, j int) bool {
			if ss[i].score != ss[j].score {
				return ss[i].score > ss[j].score
			}
			return ss[i].adj > ss[j].adj
		})
		for _, s := range ss {
			out[k] = append(out[k], s.id)
		}
	}
	return out
}

// onlineSetup is two Prometheus servers, one per cluster, each scraping its
// cluster's exporter and evaluating the pack's recording rules: "a" plain,
// "b" behind TLS and basic auth (Prometheus's own --web.config.file); a
// Thanos sidecar beside each, with external labels cluster="a" and "b",
// and Thanos Query over both.
type onlineSetup struct {
	promA, promB, query string
	caFile              string
	user, password      string
	exporterStart       time.Time
}

func startOnline(t *testing.T) *onlineSetup {
	t.Helper()
	return startServers(t, tool(t, "OOMGUARD_THANOS", "thanos"))
}

// startServers starts the Prometheus servers and, when thanosBin is not
// empty, the Thanos sidecars and Thanos Query.
func startServers(t *testing.T, thanosBin string) *onlineSetup {
	t.Helper()
	promBin := tool(t, "OOMGUARD_PROMETHEUS", "prometheus")
	dir := t.TempDir()

	pack, err := jsonnet.EvaluateRules(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &onlineSetup{user: "oomguard", password: string(randomHex(t, 12)), exporterStart: time.Now()}

	pki := newPKI(t, dir)
	s.caFile = filepath.Join(dir, "ca.pem")
	writeFile(t, s.caFile, pki.caPEM)
	hash, err := bcrypt.GenerateFromPassword([]byte(s.password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webConfig := filepath.Join(dir, "web.yml")
	writeFile(t, webConfig, fmt.Appendf(nil, "tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  %s: %s\n",
		pki.servingCert, pki.servingKey, s.user, hash))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pki.caPEM)
	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}

	var sidecars []string
	for _, cluster := range []string{"a", "b"} {
		cl := onlineClusters[cluster]
		exp := httptest.NewServer(&podExporter{start: s.exporterStart, capacity: cl.capacity, pods: cl.pods})
		t.Cleanup(exp.Close)
		target := strings.TrimPrefix(exp.URL, "http://")
		pdir := filepath.Join(dir, cluster)
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(pdir, "rules.json"), pack.Rules)
		writeFile(t, filepath.Join(pdir, "prometheus.yml"), fmt.Appendf(nil, `global:
  scrape_interval: 1s
  evaluation_interval: 1s
  external_labels: {cluster: %q}
rule_files: [rules.json]
scrape_configs:
  - job_name: kubelet
    metrics_path: /metrics/cadvisor
    static_configs: [{targets: [%q]}]
    relabel_configs:
      - {source_labels: [__metrics_path__], target_label: metrics_path}
  - job_name: kube-state-metrics
    static_configs: [{targets: [%q]}]
`, cluster, target, target))
		if cluster == "a" {
			f, err := os.OpenFile(filepath.Join(pdir, "prometheus.yml"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(f, `  - job_name: window
    scrape_interval: %s
    metrics_path: /metrics/window
    static_configs: [{targets: [%q]}]
`, model.Duration(windowInterval), target)
			f.Close()
		}

		var promURL, httpClientConfig string
		if cluster == "a" {
			backfill(t, pdir, s.exporterStart, target)
			p := startPrometheus(t, promBin, pdir)
			promURL = p.url
			s.promA = promURL
		} else {
			addr := freePort(t)
			p := startProcess(t, "prometheus-b", promBin,
				"--config.file="+filepath.Join(pdir, "prometheus.yml"),
				"--storage.tsdb.path="+filepath.Join(pdir, "data"),
				"--web.listen-address="+addr,
				"--web.config.file="+webConfig,
			)
			p.url = "https://" + addr
			promURL = p.url
			s.promB = promURL
			waitFor(t, 60*time.Second, "the TLS Prometheus to be ready", func() (bool, string) {
				req, _ := http.NewRequest(http.MethodGet, p.url+"/-/ready", nil)
				req.SetBasicAuth(s.user, s.password)
				resp, err := tlsClient.Do(req)
				if err != nil {
					return false, err.Error()
				}
				resp.Body.Close()
				return resp.StatusCode == 200, resp.Status
			})
			httpClientConfig = fmt.Sprintf("basic_auth: {username: %q, password: %q}\ntls_config: {ca_file: %q}\n", s.user, s.password, s.caFile)
		}
		if thanosBin == "" {
			continue
		}
		grpc := freePort(t)
		args := []string{"sidecar",
			"--prometheus.url=" + promURL,
			"--tsdb.path=" + filepath.Join(pdir, "data"),
			"--grpc-address=" + grpc,
			"--http-address=" + freePort(t),
		}
		if httpClientConfig != "" {
			args = append(args, "--prometheus.http-client="+httpClientConfig)
		}
		startProcess(t, "thanos-sidecar-"+cluster, thanosBin, args...)
		sidecars = append(sidecars, grpc)
	}
	if thanosBin == "" {
		return s
	}
	queryAddr := freePort(t)
	args := []string{"query", "--http-address=" + queryAddr, "--grpc-address=" + freePort(t)}
	for _, sc := range sidecars {
		args = append(args, "--endpoint="+sc)
	}
	startProcess(t, "thanos-query", thanosBin, args...)
	s.query = "http://" + queryAddr

	// Ready when Thanos Query answers the pack's OOM score for both
	// clusters, and growth has a few samples to be measured on.
	waitFor(t, 120*time.Second, "Thanos Query to answer for both clusters", func() (bool, string) {
		resp, err := http.Get(s.query + "/api/v1/query?query=" + url.QueryEscape(`count by (cluster) (namespace_pod_container_node:oom_score:estimate)`))
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		var r struct {
			Data struct {
				Result []struct {
					Metric map[string]string `json:"metric"`
				} `json:"result"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return false, err.Error()
		}
		return len(r.Data.Result) == 2 && time.Since(s.exporterStart) > 15*time.Second, fmt.Sprintf("%+v", r.Data.Result)
	})
	return s
}

// The backfilled history: oomguard_e2e_errors{job="backfill"} is 1 in runs
// of these lengths (minutes), each followed by a pause of these lengths,
// and 0 otherwise, a sample a minute, ending two hours before the test.
var (
	historyRuns   = []int{3, 12, 1, 6, 40, 5, 7, 2, 90, 6}
	historyPauses = []int{30, 2, 15, 60, 8, 20, 4, 45, 10, 30}
	historyLead   = 60 // minutes of 0 before the first run
)

// historyStart is the first sample's time, on a whole minute.
func historyStart(now time.Time) time.Time {
	total := historyLead
	for i := range historyRuns {
		total += historyRuns[i] + historyPauses[i]
	}
	return now.Truncate(time.Minute).Add(-2*time.Hour - time.Duration(total)*time.Minute)
}

// The window series, oomguard_e2e_window_total{job="window"}: backfilled
// every windowInterval for windowSamples samples up to the exporter's
// start, then scraped at that interval. The scrape interval a server
// measures is that of series that were there a measuring window (10m)
// before: the backfill makes it so from the start.
const (
	windowInterval = 15 * time.Second
	windowSamples  = 160 // 40 minutes
)

// backfill writes the history as OpenMetrics and turns it into TSDB blocks
// in dir/data with promtool tsdb create-blocks-from openmetrics, as a user
// backfills. target is the exporter the window job scrapes.
func backfill(t *testing.T, dir string, now time.Time, target string) {
	t.Helper()
	promtool := tool(t, "OOMGUARD_PROMTOOL", "promtool")
	var b strings.Builder
	b.WriteString("# HELP oomguard_e2e_window Samples, backfilled then scraped.\n# TYPE oomguard_e2e_window counter\n")
	for i := range windowSamples {
		at := now.Add(-time.Duration(windowSamples-i) * windowInterval)
		fmt.Fprintf(&b, "oomguard_e2e_window_total{job=\"window\",instance=%q} %d %d.%03d\n", target, i, at.Unix(), at.Nanosecond()/1e6)
	}
	b.WriteString("# HELP oomguard_e2e_errors Errors, backfilled.\n# TYPE oomguard_e2e_errors gauge\n")
	ts := historyStart(now)
	sample := func(v int) {
		fmt.Fprintf(&b, "oomguard_e2e_errors{job=\"backfill\"} %d %d\n", v, ts.Unix())
		ts = ts.Add(time.Minute)
	}
	for range historyLead {
		sample(0)
	}
	for i := range historyRuns {
		for range historyRuns[i] {
			sample(1)
		}
		for range historyPauses[i] {
			sample(0)
		}
	}
	b.WriteString("# EOF\n")
	in := filepath.Join(dir, "history.om")
	writeFile(t, in, []byte(b.String()))
	out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", in, filepath.Join(dir, "data")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}
}

// expectedFirings is what an alert on oomguard_e2e_errors > 0 with this
// for and keep_firing_for (in minutes) does over the history, from the
// runs and pauses alone. A run of n samples a minute is active from its
// first sample to the minute after its last; it fires once it has been
// active for the for (n - 1 >= for), and resolves at the minute after its
// last sample, or keep_firing_for later, unless the next run is active by
// then (its pause is at most keep_firing_for), which keeps the same
// firing going.
func expectedFirings(forMinutes, keepMinutes int) (count int, longest time.Duration) {
	firing := false
	var firedAt, t int // minutes from the first run's start
	for i, n := range historyRuns {
		if !firing && n-1 >= forMinutes {
			firing, firedAt = true, t+forMinutes
			count++
		}
		end := t + n
		t = end + historyPauses[i]
		if firing && (i == len(historyRuns)-1 || historyPauses[i] > keepMinutes) {
			longest = max(longest, time.Duration(end+keepMinutes-firedAt)*time.Minute)
			firing = false
		}
	}
	return count, longest
}

func randomHex(t *testing.T, n int) []byte {
	return fmt.Appendf(nil, "%x", randomBytes(t, n))
}

// oomguard runs the command line in process; it returns the exit code,
// stdout and stderr.
func oomguard(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := cli.Main(args, cli.Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

type topJSON struct {
	Source string `json:"source"`
	Nodes  []struct {
		Cluster    string `json:"cluster"`
		Node       string `json:"node"`
		Containers []struct {
			Namespace, Pod, Container string
			OOMScoreAdj               int      `json:"oomScoreAdj"`
			OOMScore                  float64  `json:"oomScore"`
			MemoryBytes               float64  `json:"memoryBytes"`
			LimitBytes                float64  `json:"limitBytes"`
			GrowthBytesPerSecond      float64  `json:"growthBytesPerSecond"`
			SecondsToLimit            *float64 `json:"secondsToLimit"`
		} `json:"containers"`
	} `json:"nodes"`
}

func runTop(t *testing.T, args ...string) topJSON {
	t.Helper()
	code, out, errOut := oomguard(append([]string{"top", "-o", "json", "--window", "1m"}, args...)...)
	if code != 0 {
		t.Fatalf("oomguard top %v: exit %d\n%s", args, code, errOut)
	}
	var r topJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return r
}

func killOrder(r topJSON) map[string][]string {
	out := map[string][]string{}
	for _, n := range r.Nodes {
		for _, c := range n.Containers {
			k := n.Cluster + "/" + n.Node
			out[k] = append(out[k], fmt.Sprintf("%s/%s/%s adj=%d", c.Namespace, c.Pod, c.Container, c.OOMScoreAdj))
		}
	}
	return out
}

// TestOnline runs oomguard's online mode against real servers: two
// Prometheus 3.16 servers, one behind TLS and basic auth, with Thanos
// sidecars and Thanos Query over them.
func TestOnline(t *testing.T) {
	s := startOnline(t)

	t.Run("top through Thanos, from the recording rules and from raw series", func(t *testing.T) {
		want := expectedKillOrder()
		for _, source := range []string{"rules", "raw"} {
			r := runTop(t, "--prometheus", s.query, "--source", source)
			if r.Source != source {
				t.Errorf("source %s, want %s", r.Source, source)
			}
			got := killOrder(r)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("--source %s: kill order\n got  %v\n want %v", source, got, want)
			}
		}
		if r := runTop(t, "--prometheus", s.query); r.Source != "rules" {
			t.Errorf("auto chose %s on a server with the recording rules", r.Source)
		}
	})

	t.Run("top's filters", func(t *testing.T) {
		r := runTop(t, "--prometheus", s.query, "--cluster", "b", "--node", "node-1", "--source", "raw")
		got := killOrder(r)
		if len(got) != 1 || fmt.Sprint(got["b/node-1"]) != fmt.Sprint(expectedKillOrder()["b/node-1"]) {
			t.Errorf("--cluster b --node node-1: %v", got)
		}
		r = runTop(t, "--prometheus", s.query, "--namespace", "other")
		if len(r.Nodes) != 0 {
			t.Errorf("--namespace other: %+v", r.Nodes)
		}
	})

	t.Run("top predicts the time to the limit", func(t *testing.T) {
		r := runTop(t, "--prometheus", s.query, "--cluster", "a", "--node", "node-2")
		found := false
		for _, n := range r.Nodes {
			for _, c := range n.Containers {
				if c.Pod != "two" || c.Container != "main" {
					continue
				}
				found = true
				// The working set grows by 1 MiB a second toward 2 GiB.
				if math.Abs(c.GrowthBytesPerSecond-mib)/mib > 0.05 {
					t.Errorf("growth %v bytes/s, want %d", c.GrowthBytesPerSecond, mib)
				}
				want := (c.LimitBytes - c.MemoryBytes) / mib
				if c.SecondsToLimit == nil || math.Abs(*c.SecondsToLimit-want) > 0.05*want+2 {
					t.Errorf("seconds to the limit %v, want about %.0f", c.SecondsToLimit, want)
				}
			}
		}
		if !found {
			t.Fatalf("no two/main in %+v", r)
		}
	})

	t.Run("the online analyses through Thanos and on the TLS server", func(t *testing.T) {
		ctx := context.Background()
		thanos, err := promapi.New(promapi.Config{URL: s.query})
		if err != nil {
			t.Fatal(err)
		}
		tlsB, err := promapi.New(promapi.Config{URL: s.promB, BasicAuth: &promapi.BasicAuth{Username: s.user, Password: s.password},
			TLS: promapi.TLSConfig{CAFile: s.caFile}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []*promapi.Client{thanos, tlsB} {
			p := online.NewProber(c, online.Options{IntervalWindow: 5 * time.Second})
			sel := func(q string) *parser.VectorSelector {
				e, err := parser.NewParser(parser.Options{}).ParseExpr(q)
				if err != nil {
					t.Fatal(err)
				}
				return e.(*parser.VectorSelector)
			}
			st, err := p.Selector(ctx, sel(`container_memory_rss{job="kubelet"}`))
			if err != nil || !st.Matches {
				t.Errorf("%s: a selector of existing series: %+v %v", c.Name(), st, err)
			}
			st, err = p.Selector(ctx, sel(`container_memory_rss{job="kubelt"}`))
			if err != nil || st.Matches || st.NoMetric || st.Failing == nil || st.Failing.Value != "kubelt" || !slices.Contains(st.Values, "kubelet") {
				t.Errorf("%s: a misspelt job: %+v %v", c.Name(), st, err)
			}
			st, err = p.Selector(ctx, sel(`container_memory_rsss`))
			if err != nil || !st.NoMetric {
				t.Errorf("%s: a misspelt metric: %+v %v", c.Name(), st, err)
			}
			has, err := p.HasLabel(ctx, sel(`container_memory_rss`), "pod")
			if err != nil || !has {
				t.Errorf("%s: container_memory_rss has no pod label: %v", c.Name(), err)
			}
			has, err = p.HasLabel(ctx, sel(`container_memory_rss`), "pod_name")
			if err != nil || has {
				t.Errorf("%s: container_memory_rss has a pod_name label: %v", c.Name(), err)
			}
			// The external label is on every series through Thanos only.
			has, err = p.HasLabel(ctx, sel(`container_memory_rss`), "cluster")
			if err != nil || has != (c == thanos) {
				t.Errorf("%s: cluster label %v %v", c.Name(), has, err)
			}
			d, err := p.Interval(ctx, sel(`container_memory_rss{job="kubelet"}`))
			if err != nil || d < 900*time.Millisecond || d > 1100*time.Millisecond {
				t.Errorf("%s: scrape interval %v %v, want 1s", c.Name(), d, err)
			}
			rec, err := p.Record(ctx, "namespace_pod_container_node:oom_score:estimate")
			wantRules := 1
			if c == thanos {
				wantRules = 2 // one per Prometheus behind it
			}
			if err != nil || len(rec.Rules) != wantRules || !rec.Series || len(rec.Jobs) != 0 {
				t.Errorf("%s: the pack's OOM score rule: %+v %v", c.Name(), rec, err)
			}
			rec, err = p.Record(ctx, "container_memory_rss")
			if err != nil || len(rec.Rules) != 0 || !rec.Series || fmt.Sprint(rec.Jobs) != "[kubelet]" {
				t.Errorf("%s: a scraped name: %+v %v", c.Name(), rec, err)
			}
		}

	})

	t.Run("backtest on the backfilled history", func(t *testing.T) {
		ctx := context.Background()
		plain, err := promapi.New(promapi.Config{URL: s.promA})
		if err != nil {
			t.Fatal(err)
		}
		thanos, err := promapi.New(promapi.Config{URL: s.query})
		if err != nil {
			t.Fatal(err)
		}
		rng := time.Since(historyStart(s.exporterStart)) + time.Minute
		for _, server := range []struct {
			name string
			c    *promapi.Client
			expr string
		}{
			{"Prometheus", plain, `oomguard_e2e_errors > 0`},
			// Through Thanos, the history is cluster a's alone.
			{"Thanos Query", thanos, `oomguard_e2e_errors{cluster="a"} > 0`},
		} {
			// A step of a minute evaluates at each sample; a step of a
			// second evaluates 60 times a sample, over more points than
			// one range query may have, in several queries.
			for _, step := range []time.Duration{time.Minute, time.Second} {
				p := online.NewProber(server.c, online.Options{})
				for _, c := range [][2]int{{0, 0}, {5, 0}, {10, 0}, {0, 5}, {5, 10}} {
					forMinutes, keepMinutes := c[0], c[1]
					wantCount, wantLongest := expectedFirings(forMinutes, keepMinutes)
					b, err := p.Backtest(ctx, server.expr, online.BacktestOptions{
						Range: rng, Step: step, For: time.Duration(forMinutes) * time.Minute, KeepFiringFor: time.Duration(keepMinutes) * time.Minute,
					})
					if err != nil {
						t.Fatalf("%s, step %v: %v", server.name, step, err)
					}
					if b.Firings != wantCount || b.Longest != wantLongest || b.Instances != 1 || b.FiringAtEnd != 0 {
						t.Errorf("%s, step %v, for %dm, keep_firing_for %dm: %d firings, longest %v, %d instances, %d firing at the end; want %d, %v, 1, 0",
							server.name, step, forMinutes, keepMinutes, b.Firings, b.Longest, b.Instances, b.FiringAtEnd, wantCount, wantLongest)
					}
					points := int(b.End.Sub(b.Start)/step) + 1
					if want := (points + online.MaxPointsPerSeries - 1) / online.MaxPointsPerSeries; b.Queries != want || step == time.Second && b.Queries < 2 {
						t.Errorf("%s, step %v: %d range queries for %d points, want %d", server.name, step, b.Queries, points, want)
					}
				}
			}
		}
	})

	t.Run("lint", func(t *testing.T) { testLint(t, s) })
	t.Run("lint cost", func(t *testing.T) { testLintCost(t, s) })

	t.Run("TLS and basic auth", func(t *testing.T) {
		// Prometheus's own web config: good credentials and CA.
		t.Setenv(cli.PasswordEnv, s.password)
		r := runTop(t, "--prometheus", s.promB, "--user", s.user, "--ca-file", s.caFile)
		if got := killOrder(r); fmt.Sprint(got["/node-1"]) != fmt.Sprint(expectedKillOrder()["b/node-1"]) {
			t.Errorf("top of the TLS server: %v", got)
		}

		for _, tc := range []struct {
			name, password string
			args           []string
			want           string
		}{
			{"bad password", "wrong", []string{"--user", s.user, "--ca-file", s.caFile}, "refused the credentials: 401 Unauthorized"},
			{"no credentials", s.password, []string{"--ca-file", s.caFile}, "refused the credentials: 401 Unauthorized"},
			{"no CA", s.password, []string{"--user", s.user}, "certificate signed by unknown authority"},
			{"another CA", s.password, []string{"--user", s.user, "--ca-file", otherCA(t)}, "certificate signed by unknown authority"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Setenv(cli.PasswordEnv, tc.password)
				code, out, errOut := oomguard(append([]string{"top", "--prometheus", s.promB}, tc.args...)...)
				if code != 2 || out != "" || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
					t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", code, out, errOut, tc.want)
				}
				if strings.Contains(errOut, s.password) {
					t.Errorf("the password is printed: %s", errOut)
				}
			})
		}
	})

	t.Run("a failing server gives one clear message", func(t *testing.T) {
		target, _ := url.Parse(s.promA)
		for _, tc := range []struct {
			name  string
			fault func(w http.ResponseWriter, r *http.Request) bool // true: answered
			args  []string
			want  string
		}{
			{"500", func(w http.ResponseWriter, r *http.Request) bool {
				http.Error(w, `{"status":"error","errorType":"internal","error":"storage failed"}`, http.StatusInternalServerError)
				return true
			}, nil, "server error: 500 Internal Server Error: storage failed"},
			{"timeout", func(w http.ResponseWriter, r *http.Request) bool {
				select {
				case <-r.Context().Done():
				case <-time.After(4 * time.Second):
				}
				return true
			}, []string{"--timeout", "1s"}, "timeout"},
			{"oversized answer", func(w http.ResponseWriter, r *http.Request) bool {
				io.WriteString(w, `{"status":"success","data":{"resultType":"vector","result":[`+strings.Repeat(" ", 17<<20)+`]}}`)
				return true
			}, nil, "larger than 16777216 bytes"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				proxy := httputil.NewSingleHostReverseProxy(target)
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if !tc.fault(w, r) {
						proxy.ServeHTTP(w, r)
					}
				}))
				defer srv.Close()
				code, out, errOut := oomguard(append([]string{"top", "--prometheus", srv.URL}, tc.args...)...)
				if code != 2 || out != "" || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
					t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", code, out, errOut, tc.want)
				}
			})
		}
		code, _, errOut := oomguard("top", "--prometheus", "http://"+freePort(t))
		if code != 2 || !strings.Contains(errOut, "cannot be reached") || !strings.Contains(errOut, "connection refused") {
			t.Errorf("unreachable: exit %d, %s", code, errOut)
		}
	})
}

// otherCA writes a CA that did not sign the server's certificate.
func otherCA(t *testing.T) string {
	dir := t.TempDir()
	p := newPKI(t, dir)
	path := filepath.Join(dir, "other-ca.pem")
	writeFile(t, path, p.caPEM)
	return path
}
