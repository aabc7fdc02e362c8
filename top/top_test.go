package top

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oomguard/oomguard/internal/apitest"
	"github.com/oomguard/oomguard/promapi"
)

// pod is a pod spec, as the kubelet sees it.
type pod struct {
	name, node, qos string
	containers      []spec
}

type spec struct {
	name                  string
	request, limit        int64 // memory bytes; 0: unset
	rss, workingSet, swap int64
	growthPerMinute       int64 // working set bytes a minute
}

const mi = 1 << 20

var nodeCapacity = map[string]int64{"node-1": 8192 * mi, "node-2": 4096 * mi}

var pods = []pod{
	{"besteffort", "node-1", "BestEffort", []spec{{name: "app", rss: 100 * mi, workingSet: 120 * mi}}},
	{"small", "node-1", "Burstable", []spec{{name: "app", request: 256 * mi, limit: 1024 * mi, rss: 200 * mi, workingSet: 300 * mi}}},
	{"big", "node-1", "Burstable", []spec{{name: "app", request: 4096 * mi, limit: 6144 * mi, rss: 3072 * mi, workingSet: 3500 * mi, swap: 10 * mi}}},
	{"guaranteed", "node-1", "Guaranteed", []spec{{name: "app", request: 1024 * mi, limit: 1024 * mi, rss: 900 * mi, workingSet: 900 * mi, growthPerMinute: mi}}},
	{"tiny", "node-1", "Burstable", []spec{{name: "app", request: 1, limit: 64 * mi, rss: 10 * mi, workingSet: 10 * mi}}},
	{"cpuonly", "node-1", "Burstable", []spec{{name: "app", rss: 50 * mi, workingSet: 60 * mi}}},
	{"two", "node-2", "Burstable", []spec{
		{name: "main", request: 512 * mi, limit: 2048 * mi, rss: 400 * mi, workingSet: 1900 * mi, growthPerMinute: 2 * mi},
		{name: "sidecar", request: 64 * mi, limit: 128 * mi, rss: 30 * mi, workingSet: 40 * mi},
	}},
	{"huge", "node-2", "Burstable", []spec{{name: "app", request: 8192 * mi, rss: 2048 * mi, workingSet: 2048 * mi}}},
}

// kubeletAdj is oom_score_adj as the kubelet computes it
// (pkg/kubelet/qos/policy.go), in integer arithmetic.
func kubeletAdj(qos string, request, capacity int64) int {
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

// series writes the pods as cAdvisor and kube-state-metrics series over two
// hours, a sample a minute.
func series() string {
	var b strings.Builder
	b.WriteString("load 1m\n")
	ksm := `job="kube-state-metrics", namespace="ns"`
	cad := `job="kubelet", metrics_path="/metrics/cadvisor", image="img", namespace="ns"`
	for node, c := range nodeCapacity {
		fmt.Fprintf(&b, "  kube_node_status_capacity{job=\"kube-state-metrics\", node=%q, resource=\"memory\", unit=\"byte\"} %dx120\n", node, c)
		fmt.Fprintf(&b, "  kube_node_status_capacity{job=\"kube-state-metrics\", node=%q, resource=\"cpu\", unit=\"core\"} 4x120\n", node)
	}
	for _, p := range pods {
		fmt.Fprintf(&b, "  kube_pod_info{%s, pod=%q, node=%q, priority_class=\"\"} 1x120\n", ksm, p.name, p.node)
		fmt.Fprintf(&b, "  kube_pod_status_qos_class{%s, pod=%q, qos_class=%q} 1x120\n", ksm, p.name, p.qos)
		for _, c := range p.containers {
			l := fmt.Sprintf("pod=%q, container=%q", p.name, c.name)
			fmt.Fprintf(&b, "  kube_pod_container_info{%s, %s} 1x120\n", ksm, l)
			if c.request > 0 {
				fmt.Fprintf(&b, "  kube_pod_container_resource_requests{%s, %s, resource=\"memory\", unit=\"byte\"} %dx120\n", ksm, l, c.request)
			}
			if c.limit > 0 {
				fmt.Fprintf(&b, "  kube_pod_container_resource_limits{%s, %s, resource=\"memory\", unit=\"byte\"} %dx120\n", ksm, l, c.limit)
			}
			fmt.Fprintf(&b, "  container_memory_rss{%s, %s} %dx120\n", cad, l, c.rss)
			if c.swap > 0 {
				fmt.Fprintf(&b, "  container_memory_swap{%s, %s} %dx120\n", cad, l, c.swap)
			}
			// The working set reaches c.workingSet at the last sample.
			start := c.workingSet - 120*c.growthPerMinute
			fmt.Fprintf(&b, "  container_memory_working_set_bytes{%s, %s} %d+%dx120\n", cad, l, start, c.growthPerMinute)
		}
	}
	return b.String()
}

type want struct {
	node, id string
	adj      int
	score    float64
}

// expected is the kill order the kubelet's formula and the kernel's score
// give, per node.
func expected() map[string][]want {
	out := map[string][]want{}
	for _, p := range pods {
		for _, c := range p.containers {
			capacity := nodeCapacity[p.node]
			adj := kubeletAdj(p.qos, c.request, capacity)
			score := 1000*float64(c.rss+c.swap)/float64(capacity) + float64(adj)
			out[p.node] = append(out[p.node], want{p.node, "ns/" + p.name + "/" + c.name, adj, math.Round(score*10) / 10})
		}
	}
	for _, ws := range out {
		sort.Slice(ws, func(i, j int) bool {
			if ws[i].score != ws[j].score {
				return ws[i].score > ws[j].score
			}
			return ws[i].adj > ws[j].adj
		})
	}
	return out
}

var evalTime = time.Unix(0, 0).Add(120 * time.Minute)

func run(t *testing.T, srv string, o Options) *Report {
	t.Helper()
	pack, err := LoadPack(nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := promapi.New(promapi.Config{URL: srv, Rate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	o.Pack, o.Time = pack, evalTime
	r, err := Run(context.Background(), c, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestKillOrderFollowsTheKubeletFormula(t *testing.T) {
	srv := apitest.New(t, series())
	r := run(t, srv.URL, Options{})
	if r.Source != SourceRaw {
		t.Errorf("source %s: the server has no recording rules, auto must compute from raw series", r.Source)
	}
	exp := expected()
	if len(r.Nodes) != len(exp) {
		t.Fatalf("%d nodes, want %d", len(r.Nodes), len(exp))
	}
	for _, n := range r.Nodes {
		var got []want
		for _, c := range n.Containers {
			got = append(got, want{c.Node, id(c), c.OOMScoreAdj, c.OOMScore})
		}
		if fmt.Sprint(got) != fmt.Sprint(exp[n.Node]) {
			t.Errorf("node %s kill order\n got  %v\n want %v", n.Node, got, exp[n.Node])
		}
	}
}

func TestNearLimitAndTimeToLimit(t *testing.T) {
	srv := apitest.New(t, series())
	r := run(t, srv.URL, Options{Source: SourceRaw})
	var ids []string
	for _, c := range r.NearLimit {
		ids = append(ids, id(c))
	}
	// Ratios: two/main 1900/2048, guaranteed 900/1024, big 3500/6144,
	// two/sidecar 40/128, small 300/1024, tiny 10/64; the rest have no limit.
	want := "[ns/two/main ns/guaranteed/app ns/big/app ns/two/sidecar ns/small/app ns/tiny/app]"
	if fmt.Sprint(ids) != want {
		t.Errorf("nearest the limit:\n got  %v\n want %s", ids, want)
	}
	for _, c := range r.NearLimit {
		switch id(c) {
		case "ns/two/main":
			// 148 MiB left at 2 MiB a minute: 74 minutes.
			if c.SecondsToLimit == nil || math.Abs(*c.SecondsToLimit-74*60) > 1 {
				t.Errorf("two/main reaches its limit in %v s, want %d", deref(c.SecondsToLimit), 74*60)
			}
			if math.Abs(c.GrowthPerSec-2*mi/60.0) > 0.01 {
				t.Errorf("two/main grows by %v bytes a second, want %v", c.GrowthPerSec, 2*mi/60.0)
			}
		case "ns/small/app":
			if c.SecondsToLimit != nil {
				t.Errorf("small/app does not grow but reaches its limit in %v s", *c.SecondsToLimit)
			}
		}
	}
	for _, n := range r.Nodes {
		for _, c := range n.Containers {
			if id(c) == "ns/besteffort/app" && (c.LimitBytes != 0 || c.SecondsToLimit != nil) {
				t.Errorf("besteffort has no limit: %+v", c)
			}
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestFilters(t *testing.T) {
	srv := apitest.New(t, series())
	all := run(t, srv.URL, Options{Source: SourceRaw})
	r := run(t, srv.URL, Options{Source: SourceRaw, Node: "node-2"})
	if len(r.Nodes) != 1 || r.Nodes[0].Node != "node-2" || len(r.Nodes[0].Containers) != 3 {
		t.Fatalf("--node node-2: %+v", r.Nodes)
	}
	// A node's containers have the figures they have unfiltered: the
	// series other than the score carry no node label.
	for _, n := range all.Nodes {
		got, _ := json.Marshal(r.Nodes[0])
		want, _ := json.Marshal(n)
		if n.Node == "node-2" && string(got) != string(want) {
			t.Errorf("--node node-2:\n got  %s\n want %s", got, want)
		}
	}
	r = run(t, srv.URL, Options{Namespace: "other"})
	if len(r.Nodes) != 0 {
		t.Errorf("--namespace other: %+v", r.Nodes)
	}
}

func TestRulesSourceWithoutRules(t *testing.T) {
	srv := apitest.New(t, series())
	pack, err := LoadPack(nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := promapi.New(promapi.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), c, Options{Pack: pack, Source: SourceRules, Time: evalTime})
	if err == nil || !strings.Contains(err.Error(), "has no series of "+pack.OOMScore) {
		t.Fatalf("error %v", err)
	}
}

// The names top reads are recording rules of the pack, and their raw
// forms read no recording rule.
func TestPackNames(t *testing.T) {
	pack, err := LoadPack(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{pack.OOMScore, pack.OOMScoreAdj, pack.Memory, pack.MemoryLimit} {
		raw, err := pack.Raw(n)
		if err != nil {
			t.Fatal(err)
		}
		for rec := range pack.exprs {
			if strings.Contains(raw, rec+"{") || strings.Contains(raw, rec+")") || strings.Contains(raw, rec+" ") {
				t.Errorf("the raw form of %s still reads %s: %s", n, rec, raw)
			}
		}
	}
	g, err := pack.Growth(true, time.Hour)
	if err != nil || !strings.Contains(g, "deriv(container_memory_working_set_bytes{") {
		t.Errorf("growth from raw series: %s %v", g, err)
	}
}
