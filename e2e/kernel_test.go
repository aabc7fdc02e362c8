package e2e

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/oomguard/oomguard/generate"
	"github.com/oomguard/oomguard/jsonnet"
	"github.com/oomguard/oomguard/rules"
)

// Tolerances of the kernel test's value checks, in absolute units of the
// ratio compared.
const (
	// The pack's working-set ratio against the kernel's own
	// (usage_in_bytes - total_inactive_file) / limit, both read while the
	// container holds its memory.
	workingSetTolerance = 0.03
	// The user share of CPU time, user / (user + system), from the pack's
	// recording rules against cpuacct.stat over the same stretch.
	cpuSplitTolerance = 0.05
)

const (
	kernelNamespace = "oomguard-e2e"
	kernelNode      = "oomguard-e2e-node"
	kernelImage     = "registry.example/oomguard-e2e/workload:1"
)

// kernelPod is a pod of one container, "app", whose container the test
// runs as a workload process in cgroups of the kubelet's layout.
type kernelPod struct {
	name                 string
	memLimit, memRequest int64 // bytes; 0: unset
	cpuLimit, cpuRequest int64 // millicores; 0: unset
	mode                 string
	args                 []string
	scenario             string
	uid, qos, podCgroup  string
	cid, cgroup          string // the running container
	started              time.Time
	w                    *workload
	restarts             int
	oomKills, failcnt    int64          // read from the cgroup when its process ended
	lastTerminated       map[string]any // the last termination, for the status
}

const mib = 1 << 20

// kernelPods are the scenarios' containers.
func kernelPods(dir string) []*kernelPod {
	return []*kernelPod{
		{name: "near-limit", scenario: "1: anonymous memory held at ~93% of the limit", memLimit: 64 * mib, memRequest: 32 * mib, cpuLimit: 200, cpuRequest: 50,
			mode: "alloc", args: []string{"-ratio", "0.93"}},
		// 4 MiB a second: RSS takes about 3 s from 80% of the limit to the
		// kill, so that cAdvisor's housekeeping (every 1 to 2 s) records
		// it there and ContainerMemoryLimitHits, which wants RSS at 80%
		// with the hits, can see it.
		{name: "oom", scenario: "2: anonymous memory grown past the limit, over reclaimable page cache", memLimit: 64 * mib, memRequest: 32 * mib, cpuLimit: 500, cpuRequest: 50,
			mode: "oom", args: []string{"-file", filepath.Join(dir, "oom.data"), "-file-mib", "40", "-step-mib", "1", "-interval", "250ms"}},
		{name: "page-cache", scenario: "3: files larger than the limit written and read, small RSS", memLimit: 64 * mib, memRequest: 32 * mib, cpuLimit: 500, cpuRequest: 50,
			mode: "cache", args: []string{"-file", filepath.Join(dir, "stream.data"), "-file-mib", "96", "-hot-mib", "24", "-interval", "500ms"}},
		{name: "throttled", scenario: "4: a busy loop under a 100m CPU quota", memLimit: 32 * mib, memRequest: 32 * mib, cpuLimit: 100, cpuRequest: 100,
			mode: "spin"},
		// The system-share alert also wants 0.1 cores over the 5-minute
		// rate window: 30 CPU seconds after Prometheus first scrapes it.
		{name: "syscalls", scenario: "5: a syscall loop using up to 0.9 cores", memLimit: 32 * mib, memRequest: 32 * mib, cpuLimit: 1000, cpuRequest: 1000,
			mode: "syscalls", args: []string{"-duty", "0.9"}},
		{name: "quiet", scenario: "6: a quiet container beside them", memLimit: 64 * mib, memRequest: 16 * mib, cpuLimit: 100, cpuRequest: 10,
			mode: "quiet"},
		{name: "child-oom", scenario: "7: a child process grown past the limit, the container's first process living on", memLimit: 64 * mib, memRequest: 32 * mib, cpuLimit: 500, cpuRequest: 50,
			mode: "child-oom", args: []string{"-step-mib", "2", "-interval", "150ms"}},
	}
}

// TestKernel runs the real-kernel scenarios at once: workloads in real
// cgroups, measured by cAdvisor (the kubelet's library, in
// tools/kubelet-cadvisor) and by kube-state-metrics against a real
// kube-apiserver, scraped by a real Prometheus that evaluates the pack.
// Only what a kubelet would write to the apiserver (the node's and pods'
// status) is written by the test, from what happened in the cgroups.
func TestKernel(t *testing.T) {
	start := time.Now()
	s := newSandbox(t)
	promBin := tool(t, "OOMGUARD_PROMETHEUS", "prometheus")
	ksmBin := tool(t, "OOMGUARD_KUBE_STATE_METRICS", "kube-state-metrics")
	cadvisorBin := tool(t, "OOMGUARD_KUBELET_CADVISOR", "kubelet-cadvisor")
	dir := t.TempDir()
	// generate runs the pack's own tests before it hands out a rule file:
	// build it while the cluster starts.
	type built struct {
		rules []byte
		err   error
	}
	pack := make(chan built, 1)
	go func() {
		rules, err := packRuleFile()
		pack <- built{rules, err}
	}()

	c := startCluster(t)
	k := &kubelet{t: t, c: c, s: s, dir: dir, podsFile: filepath.Join(dir, "pods.json"), owners: map[string]map[string]string{}}
	k.writeOwners()
	k.registerNode()
	pods := kernelPods(dir)
	pod := map[string]*kernelPod{}
	for _, p := range pods {
		k.createPod(p)
		pod[p.name] = p
	}
	t.Logf("cluster ready with %d pods after %v", len(pods), time.Since(start).Round(time.Second))

	cadvisorAddr := freePort(t)
	cadvisor := startProcess(t, "kubelet-cadvisor", cadvisorBin,
		"-listen", cadvisorAddr,
		"-pods", k.podsFile,
		"-raw-cgroup-prefixes", cgroupParent+"/",
		"-housekeeping", "1s", "-max-housekeeping", "2s")
	cadvisor.url = "http://" + cadvisorAddr
	ksmAddr, ksmTelemetry := freePort(t), freePort(t)
	ksm := startProcess(t, "kube-state-metrics", ksmBin,
		"--kubeconfig="+c.kubeconfig,
		"--resources=pods,nodes",
		"--host=127.0.0.1", "--port="+portOf(ksmAddr),
		"--telemetry-host=127.0.0.1", "--telemetry-port="+portOf(ksmTelemetry))
	ksm.url = "http://" + ksmAddr
	waitHTTP(t, cadvisor.url+"/healthz", "kubelet-cadvisor")
	waitHTTP(t, ksm.url+"/metrics", "kube-state-metrics")

	b := <-pack
	if b.err != nil {
		t.Fatal(b.err)
	}
	prom := startPackPrometheus(t, promBin, dir, b.rules, cadvisor.url, ksm.url)
	t.Logf("exporters and Prometheus up after %v", time.Since(start).Round(time.Second))
	// The workloads start once Prometheus scrapes: the OOM container's
	// limit hits and kill must not be over before the first scrape, which
	// a slow build of the pack would otherwise allow.
	for _, p := range pods {
		k.startContainer(p)
	}

	q := &promAPI{t: t, url: prom.url}
	// Before the OOM container grows: every container is seen by both
	// exporters, with its restart count at 0.
	waitFor(t, 60*time.Second, "every container in Prometheus from both exporters", func() (bool, string) {
		for _, p := range pods {
			for _, expr := range []string{
				fmt.Sprintf(`container_memory_working_set_bytes{job="kubelet",pod=%q,container="app"}`, p.name),
				fmt.Sprintf(`kube_pod_container_status_restarts_total{job="kube-state-metrics",pod=%q,container="app"}`, p.name),
			} {
				if len(q.instant(expr)) == 0 {
					return false, "no " + expr
				}
			}
		}
		return true, ""
	})
	baseline := map[string]cpuacct{}
	for _, p := range pods {
		baseline[p.name] = readCPUAcct(t, s.h, p.cgroup)
	}
	// Alerts count from here on. Before it, alerts that read a recording
	// rule of another group can fire for an evaluation or two while that
	// group has not yet recorded the new series (with every for at 0s;
	// the pack's own for durations hide it): they are logged, not judged.
	settled := time.Now().Add(5 * time.Second)

	oom, child := pod["oom"], pod["child-oom"]
	for _, p := range []*kernelPod{oom, child} {
		if _, err := p.w.stdin.Write([]byte("go\n")); err != nil {
			t.Fatal(err)
		}
	}

	want := map[string]string{ // alert -> pod
		"ContainerMemoryNearLimit":    "near-limit",
		"ContainerOOMKilled":          "oom",
		"ContainerCPUThrottlingHigh":  "throttled",
		"ContainerCPUSystemShareHigh": "syscalls",
		"ContainerProcessOOMKilled":   "child-oom",
	}
	seen := &alertLog{seen: map[string]map[string]bool{}}
	pageCacheAtLimit := 0 // polls at which the page-cache container's usage was at its limit
	waitFor(t, 180*time.Second, "the scenarios' alerts", func() (bool, string) {
		if time.Now().After(settled) {
			seen.poll(q)
		}
		usage, limit := readInt(t, s.h.memory, pod["page-cache"].cgroup, "memory.usage_in_bytes"), pod["page-cache"].memLimit
		if float64(usage) >= 0.9*float64(limit) {
			pageCacheAtLimit++
		}
		if oom.restarts == 0 {
			select {
			case <-oom.w.exited:
				k.restartAfterExit(oom)
			default:
				return false, "the OOM container has not been killed yet"
			}
		}
		// Scenario 7: the kubelet's OOM watcher counts the child's kill
		// from the kernel log.
		if len(q.instant(fmt.Sprintf(`container_oom_events_total{job="kubelet",pod=%q,container="app"} > 0`, child.name))) == 0 {
			return false, "no OOM event counted for the child-oom container yet"
		}
		var missing []string
		for alert, pod := range want {
			if !seen.firing(alert, pod) {
				missing = append(missing, alert+"/"+pod)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			return false, "not firing yet: " + strings.Join(missing, ", ") + "; firing: " + seen.summary()
		}
		// Scenario 3 needs the page-cache container at its limit for a
		// while with the critical alert silent.
		if pageCacheAtLimit < 20 {
			return false, fmt.Sprintf("the page-cache container was at its limit in %d polls, want 20", pageCacheAtLimit)
		}
		return true, ""
	})
	seen.poll(q)
	// Alerts evaluated between two polls: Prometheus keeps every one in
	// its ALERTS series.
	for _, span := range alertSpans(q, start, time.Now()) {
		t.Logf("alert %s for pod %s: firing from %v to %v after the start", span.alert, span.pod, span.from.Sub(start).Round(time.Second), span.to.Sub(start).Round(time.Second))
		if !span.to.Before(settled) {
			seen.add(span.alert, span.pod, "firing")
		}
		// Every container has a memory limit. The alert reads it from
		// kube-state-metrics, in the same scrape as the running
		// container, not from a recording another group may not have
		// written yet: it must not fire at start-up either.
		if span.alert == "ContainerWithoutMemoryLimit" {
			t.Errorf("ContainerWithoutMemoryLimit fired for %s, which has a memory limit, from %v to %v after the start", span.pod, span.from.Sub(start).Round(time.Second), span.to.Sub(start).Round(time.Second))
		}
	}
	atLimitSeen := seen.pods("ContainerMemoryAtLimit")
	t.Logf("alerts seen (pending or firing) by pod once the exporters' series were in, %v after the start: %s", settled.Sub(start).Round(time.Second), seen.summary())
	t.Logf("scenarios done after %v", time.Since(start).Round(time.Second))

	// 1. The near-limit container: the pack's working-set ratio agrees with
	// the kernel's own figures.
	t.Run("1-near-limit", func(t *testing.T) {
		q := q.on(t)
		p := pod["near-limit"]
		logSeries(t, q, p, "container_memory_working_set_bytes", "container_memory_usage_bytes", "container_memory_total_inactive_file_bytes", "container_memory_rss", "container_spec_memory_limit_bytes", `kube_pod_container_resource_limits{resource="memory"}`)
		rule := q.value(fmt.Sprintf(`namespace_pod_container:container_memory_working_set_bytes:limit_ratio{pod=%q}`, p.name))
		usage := readInt(t, s.h.memory, p.cgroup, "memory.usage_in_bytes")
		inactive := readStat(t, s.h.memory, p.cgroup, "memory.stat", "total_inactive_file")
		kernel := float64(usage-inactive) / float64(p.memLimit)
		t.Logf("working-set ratio: pack %.4f, kernel (usage_in_bytes %d - total_inactive_file %d) / limit %d = %.4f", rule, usage, inactive, p.memLimit, kernel)
		if math.Abs(rule-kernel) > workingSetTolerance {
			t.Errorf("the pack's working-set ratio %.4f differs from the kernel's %.4f by more than %.2f", rule, kernel, workingSetTolerance)
		}
		if !seen.firing("ContainerMemoryNearLimit", p.name) {
			t.Errorf("ContainerMemoryNearLimit did not fire for %s", p.name)
		}
		if seen.any("ContainerMemoryAtLimit", p.name) {
			t.Errorf("ContainerMemoryAtLimit fired for %s at a ratio of %.2f", p.name, kernel)
		}
	})

	// 2. The OOM-killed container.
	t.Run("2-oom-killed", func(t *testing.T) {
		q := q.on(t)
		p := pod["oom"]
		logSeries(t, q, p, "container_memory_failcnt", "container_memory_events_max_total", "container_oom_events_total", "kube_pod_container_status_restarts_total", "kube_pod_container_status_last_terminated_reason", "kube_pod_container_status_last_terminated_exitcode")
		if p.failcnt == 0 {
			t.Errorf("the kernel's memory.failcnt of the killed container stayed 0")
		}
		seenFailcnt := q.value(fmt.Sprintf(`max(max_over_time(container_memory_failcnt{job="kubelet",pod=%q,container="app"}[10m]))`, p.name))
		t.Logf("kernel: memory.failcnt %d and oom_kill %d when the process died; cAdvisor: highest container_memory_failcnt %g", p.failcnt, p.oomKills, seenFailcnt)
		if seenFailcnt <= 0 {
			t.Errorf("cAdvisor never reported a limit hit (container_memory_failcnt) for %s", p.name)
		}
		// What the pack made of the limit hits: cAdvisor 0.57 and later
		// also export container_memory_events_max_total on cgroup v1,
		// where it stays 0; the pack must count the failcnt that rises.
		counted := false
		for _, r := range q.instant(fmt.Sprintf(`max_over_time(namespace_pod_container:container_memory_limit_hits:rate5m{pod=%q}[10m])`, p.name)) {
			t.Logf("  pack: highest %s %s", formatLabels(r.Metric), r.Value[1])
			if v, _ := strconv.ParseFloat(fmt.Sprint(r.Value[1]), 64); v > 0 {
				counted = true
			}
		}
		if !counted {
			t.Errorf("the pack's limit-hits recording stayed 0 for %s while cAdvisor's container_memory_failcnt rose to %g", p.name, seenFailcnt)
		}
		if !seen.firing("ContainerMemoryLimitHits", p.name) {
			t.Errorf("ContainerMemoryLimitHits did not fire for %s", p.name)
		}
		if got := seen.pods("ContainerOOMKilled"); len(got) != 1 || got[0] != p.name {
			t.Errorf("ContainerOOMKilled for pods %v, want only %s", got, p.name)
		}
		// The kill ended the container: ContainerOOMKilled reports it, and
		// ContainerProcessOOMKilled, for kills the container lives through,
		// must not fire for it too (it may be pending until
		// kube-state-metrics shows the termination; its for covers that).
		if seen.firing("ContainerProcessOOMKilled", p.name) {
			t.Errorf("ContainerProcessOOMKilled fired for %s, whose kill ended the container", p.name)
		}
		// The kubelet's OOM watcher counts the kill in the dead
		// container's cgroup, which the runtime removes at once: a scrape
		// sees it only if it falls in between.
		for _, r := range q.instant(fmt.Sprintf(`max_over_time(container_oom_events_total{job="kubelet",pod=%q,container="app"}[10m])`, p.name)) {
			t.Logf("  cAdvisor: highest %s %s", formatLabels(r.Metric), r.Value[1])
		}
	})

	// 3. Page cache at the limit.
	t.Run("3-page-cache", func(t *testing.T) {
		q := q.on(t)
		p := pod["page-cache"]
		logSeries(t, q, p, "container_memory_usage_bytes", "container_memory_working_set_bytes", "container_memory_cache", "container_memory_rss", "container_memory_total_inactive_file_bytes", "container_memory_failcnt")
		peakWS := q.value(fmt.Sprintf(`max(max_over_time(namespace_pod_container:container_memory_working_set_bytes:limit_ratio{pod=%q}[10m]))`, p.name))
		peakUsage := q.value(fmt.Sprintf(`max(max_over_time(container_memory_usage_bytes{job="kubelet",pod=%q,container="app"}[10m])) / %d`, p.name, p.memLimit))
		rss := q.value(fmt.Sprintf(`max(max_over_time(container_memory_rss{job="kubelet",pod=%q,container="app"}[10m])) / %d`, p.name, p.memLimit))
		t.Logf("page cache: usage reached %.2f of the limit (polls at >= 0.9: %d), working set %.2f, RSS at most %.2f", peakUsage, pageCacheAtLimit, peakWS, rss)
		if peakWS < 0.5 {
			t.Errorf("the page-cache container's working set reached only %.2f of its limit: the scenario does not test a working-set alert", peakWS)
		}
		if peakUsage < 0.9 {
			t.Errorf("the page-cache container's usage reached only %.2f of its limit", peakUsage)
		}
		if rss > 0.25 {
			t.Errorf("the page-cache container's RSS reached %.2f of its limit: not a page-cache scenario", rss)
		}
		if slices.Contains(atLimitSeen, p.name) {
			t.Errorf("ContainerMemoryAtLimit (critical) fired for %s, whose limit is filled with reclaimable page cache", p.name)
		}
	})

	// 4. Throttling, and the user/system split against cpuacct.stat.
	t.Run("4-throttled", func(t *testing.T) {
		q := q.on(t)
		p := pod["throttled"]
		logSeries(t, q, p, "container_cpu_cfs_periods_total", "container_cpu_cfs_throttled_periods_total", "container_cpu_user_seconds_total", "container_cpu_system_seconds_total", "container_spec_cpu_quota")
		checkCPUSplit(t, q, s.h, p, baseline[p.name])
		if !seen.firing("ContainerCPUThrottlingHigh", p.name) {
			t.Errorf("ContainerCPUThrottlingHigh did not fire for %s", p.name)
		}
	})

	// 5. System time.
	t.Run("5-syscalls", func(t *testing.T) {
		q := q.on(t)
		p := pod["syscalls"]
		logSeries(t, q, p, "container_cpu_user_seconds_total", "container_cpu_system_seconds_total", "container_cpu_usage_seconds_total")
		checkCPUSplit(t, q, s.h, p, baseline[p.name])
		if !seen.firing("ContainerCPUSystemShareHigh", p.name) {
			t.Errorf("ContainerCPUSystemShareHigh did not fire for %s", p.name)
		}
	})

	// 6. The quiet container.
	t.Run("6-quiet", func(t *testing.T) {
		q := q.on(t)
		p := pod["quiet"]
		logSeries(t, q, p, "container_memory_working_set_bytes", "container_cpu_usage_seconds_total")
		if got := seen.alerts(p.name); len(got) > 0 {
			t.Errorf("alerts for the quiet container: %v", got)
		}
	})
	// 7. A child process OOM-killed, the container living on: no restart
	// and no termination for kube-state-metrics to show; only the kernel
	// log, which the kubelet's OOM watcher counts in
	// container_oom_events_total since 1.37, tells.
	t.Run("7-child-oom-killed", func(t *testing.T) {
		q := q.on(t)
		p := pod["child-oom"]
		logSeries(t, q, p, "container_oom_events_total", "container_memory_failcnt", "container_memory_rss", "kube_pod_container_status_restarts_total", "kube_pod_container_status_last_terminated_reason")
		kills := readStat(t, s.h.memory, p.cgroup, "memory.oom_control", "oom_kill")
		select {
		case <-p.w.exited:
			t.Fatalf("the child-oom container's first process ended (%v): the kill was to take the child\n%s", p.w.err, p.w.log.String())
		default:
		}
		t.Logf("kernel: memory.oom_control oom_kill %d; the workload said: %s", kills, strings.TrimSpace(p.w.log.String()))
		if kills != 1 {
			t.Errorf("memory.oom_control counts %d OOM kills in the child-oom container, want 1", kills)
		}
		if !strings.Contains(p.w.log.String(), "child ended: signal: killed") {
			t.Errorf("the child was not killed by SIGKILL; the workload said:\n%s", p.w.log.String())
		}
		if got := q.value(fmt.Sprintf(`container_oom_events_total{job="kubelet",pod=%q,container="app"}`, p.name)); got != float64(kills) {
			t.Errorf("cAdvisor's container_oom_events_total is %g, the kernel's oom_kill %d", got, kills)
		}
		if got := q.value(fmt.Sprintf(`kube_pod_container_status_restarts_total{job="kube-state-metrics",pod=%q,container="app"}`, p.name)); got != 0 {
			t.Errorf("kube-state-metrics counts %g restarts of a container that did not restart", got)
		}
		if got := q.instant(fmt.Sprintf(`kube_pod_container_status_last_terminated_reason{job="kube-state-metrics",pod=%q}`, p.name)); len(got) != 0 {
			t.Errorf("kube-state-metrics shows a termination of a container that did not end: %v", got)
		}
		// The pack reads the kill from container_oom_events_total:
		// ContainerProcessOOMKilled fires for this container and for no
		// other; ContainerOOMKilled, which reads terminations, stays silent
		// (scenario 2 checks it fired for the oom pod only).
		t.Logf("pack: alerts seen for %s: %v", p.name, seen.alerts(p.name))
		if !seen.firing("ContainerProcessOOMKilled", p.name) {
			t.Errorf("ContainerProcessOOMKilled did not fire for %s", p.name)
		}
		if got := seen.firingPods("ContainerProcessOOMKilled"); len(got) != 1 || got[0] != p.name {
			t.Errorf("ContainerProcessOOMKilled fired for pods %v, want only %s", got, p.name)
		}
	})
	// 8. oomguard top over the real exporters: oom_score_adj as the
	// kubelet's formula gives it from the pods' QoS class and memory
	// request and the node's capacity, the held container first in kill
	// order with the score its RSS in the kernel gives, the Guaranteed
	// ones last.
	t.Run("8-top", func(t *testing.T) {
		capacity := (memTotalBytes(t) / 1024) * 1024 // registered in Ki
		for _, source := range []string{"raw", "rules"} {
			r := runTop(t, "--prometheus", prom.url, "--source", source)
			if len(r.Nodes) != 1 || r.Nodes[0].Node != kernelNode {
				t.Fatalf("--source %s: nodes %+v, want only %s", source, r.Nodes, kernelNode)
			}
			cs := r.Nodes[0].Containers
			var order []string
			for _, c := range cs {
				order = append(order, fmt.Sprintf("%s adj=%d", c.Pod, c.OOMScoreAdj))
				p := pod[c.Pod]
				if p == nil || c.Namespace != kernelNamespace || c.Container != "app" {
					t.Errorf("--source %s: a container of no scenario: %+v", source, c)
					continue
				}
				if want := kubeletOOMScoreAdj(p.qos, p.memRequest, capacity); c.OOMScoreAdj != want {
					t.Errorf("--source %s: %s: oom_score_adj %d, the kubelet's %d (%s, request %d, capacity %d)", source, p.name, c.OOMScoreAdj, want, p.qos, p.memRequest, capacity)
				}
			}
			t.Logf("--source %s: kill order %v", source, order)
			if len(cs) != len(pods) {
				t.Errorf("--source %s: %d containers, want %d", source, len(cs), len(pods))
				continue
			}
			held := pod["near-limit"]
			rss := readStat(t, s.h.memory, held.cgroup, "memory.stat", "total_rss") + readStat(t, s.h.memory, held.cgroup, "memory.stat", "total_swap")
			want := 1000*float64(rss)/float64(capacity) + float64(kubeletOOMScoreAdj(held.qos, held.memRequest, capacity))
			if cs[0].Pod != held.name || math.Abs(cs[0].OOMScore-want) > 0.2 {
				t.Errorf("--source %s: first in kill order %s with score %.1f; want %s, whose RSS and swap in the kernel (%d) give %.1f", source, cs[0].Pod, cs[0].OOMScore, held.name, rss, want)
			}
			last := []string{cs[len(cs)-2].Pod, cs[len(cs)-1].Pod}
			slices.Sort(last)
			if fmt.Sprint(last) != "[syscalls throttled]" {
				t.Errorf("--source %s: last in kill order %v, want the Guaranteed syscalls and throttled", source, last)
			}
		}
	})
	t.Logf("kernel test done in %v", time.Since(start).Round(time.Second))
}

// kubelet does for the test what the kubelet and the runtime would do:
// cgroups of the kubelet's layout, the pods' status in the apiserver, the
// pod table the exporter reads instead of the runtime's labels.
type kubelet struct {
	t        *testing.T
	c        *cluster
	s        *sandbox
	dir      string
	podsFile string

	mu     sync.Mutex
	owners map[string]map[string]string // cgroup name -> labels
}

func (k *kubelet) writeOwners() {
	k.mu.Lock()
	defer k.mu.Unlock()
	data, err := json.MarshalIndent(k.owners, "", "  ")
	if err != nil {
		k.t.Fatal(err)
	}
	tmp := k.podsFile + ".tmp"
	writeFile(k.t, tmp, data)
	if err := os.Rename(tmp, k.podsFile); err != nil {
		k.t.Fatal(err)
	}
}

func (k *kubelet) apply(name string, obj any) {
	data, err := json.Marshal(obj)
	if err != nil {
		k.t.Fatal(err)
	}
	path := filepath.Join(k.dir, name+".json")
	writeFile(k.t, path, data)
	k.c.mustRun(k.t, "create", "-f", path)
}

func (k *kubelet) patchStatus(kind, namespace, name string, status any) {
	data, err := json.Marshal(map[string]any{"status": status})
	if err != nil {
		k.t.Fatal(err)
	}
	args := []string{"patch", kind, name, "--subresource=status", "--type=merge", "-p", string(data)}
	if namespace != "" {
		args = append(args, "-n", namespace)
	}
	k.c.mustRun(k.t, args...)
}

// registerNode creates the Node and writes its status as a kubelet would:
// capacity and allocatable from the machine (memory = MemTotal), Ready.
func (k *kubelet) registerNode() {
	memTotal := memTotalBytes(k.t)
	k.apply("node", map[string]any{
		"apiVersion": "v1", "kind": "Node",
		"metadata": map[string]any{"name": kernelNode, "labels": map[string]string{"kubernetes.io/hostname": kernelNode, "kubernetes.io/os": "linux"}},
	})
	capacity := map[string]string{"cpu": strconv.Itoa(runtime.NumCPU()), "memory": strconv.FormatInt(memTotal/1024, 10) + "Ki", "pods": "110"}
	now := time.Now().UTC().Format(time.RFC3339)
	k.patchStatus("node", "", kernelNode, map[string]any{
		"capacity":    capacity,
		"allocatable": capacity,
		"conditions": []map[string]string{
			{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastHeartbeatTime": now, "lastTransitionTime": now},
		},
		"addresses": []map[string]string{{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": kernelNode}},
		"nodeInfo":  map[string]string{"kubeletVersion": "v1.37.2", "operatingSystem": "linux", "architecture": "amd64", "containerRuntimeVersion": "containerd://2.2.0", "kernelVersion": kernelVersion()},
	})
	k.c.mustRun(k.t, "create", "namespace", kernelNamespace)
	// No controller-manager runs: the default ServiceAccount that pod
	// admission wants is made here.
	k.c.mustRun(k.t, "create", "serviceaccount", "default", "-n", kernelNamespace)
}

// createPod creates the pod, bound to the node, and reads back its uid and
// the QoS class the apiserver gave it.
func (k *kubelet) createPod(p *kernelPod) {
	limits, requests := map[string]string{}, map[string]string{}
	if p.memLimit > 0 {
		limits["memory"] = strconv.FormatInt(p.memLimit/mib, 10) + "Mi"
	}
	if p.memRequest > 0 {
		requests["memory"] = strconv.FormatInt(p.memRequest/mib, 10) + "Mi"
	}
	if p.cpuLimit > 0 {
		limits["cpu"] = strconv.FormatInt(p.cpuLimit, 10) + "m"
	}
	if p.cpuRequest > 0 {
		requests["cpu"] = strconv.FormatInt(p.cpuRequest, 10) + "m"
	}
	k.apply("pod-"+p.name, map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": p.name, "namespace": kernelNamespace, "labels": map[string]string{"app": p.name}},
		"spec": map[string]any{
			"nodeName":                     kernelNode,
			"automountServiceAccountToken": false,
			"containers": []map[string]any{{
				"name": "app", "image": kernelImage,
				"resources": map[string]any{"limits": limits, "requests": requests},
			}},
		},
	})
	out := k.c.mustRun(k.t, "get", "pod", p.name, "-n", kernelNamespace, "-o", "jsonpath={.metadata.uid} {.status.qosClass}")
	fields := strings.Fields(out)
	if len(fields) != 2 {
		k.t.Fatalf("pod %s: uid and QoS class: %q", p.name, out)
	}
	p.uid, p.qos = fields[0], fields[1]
	// The kubelet's cgroupfs layout: Guaranteed pods right under kubepods,
	// the others under their class.
	p.podCgroup = cgroupParent + "/kubepods/"
	if p.qos != "Guaranteed" {
		p.podCgroup += strings.ToLower(p.qos) + "/"
	}
	p.podCgroup += "pod" + p.uid
	if err := k.s.mkdir(p.podCgroup); err != nil {
		k.t.Fatal(err)
	}
	// The kubelet gives kubepods the CPU weight of the node's allocatable
	// CPU. Given to the parent too, it keeps the scenarios' CPU from being
	// starved by whatever else runs on the machine.
	for _, cg := range []string{cgroupParent, cgroupParent + "/kubepods"} {
		if err := set(k.s.h.cpu, cg, "cpu.shares", int64(runtime.NumCPU())*1024); err != nil {
			k.t.Fatal(err)
		}
	}
	// Pod-level limits, as the kubelet sets them when every container has
	// one.
	k.limits(p.podCgroup, p)
	k.mu.Lock()
	k.owners[p.podCgroup] = map[string]string{"namespace": kernelNamespace, "pod": p.name}
	k.mu.Unlock()
	k.writeOwners()
}

// limits writes the memory limit, CPU quota and shares of a cgroup as the
// kubelet derives them from the container's resources.
func (k *kubelet) limits(cgroup string, p *kernelPod) {
	h := k.s.h
	if p.memLimit > 0 {
		if err := set(h.memory, cgroup, "memory.limit_in_bytes", p.memLimit); err != nil {
			k.t.Fatal(err)
		}
	}
	if p.cpuLimit > 0 {
		if err := set(h.cpu, cgroup, "cpu.cfs_period_us", 100000); err != nil {
			k.t.Fatal(err)
		}
		if err := set(h.cpu, cgroup, "cpu.cfs_quota_us", p.cpuLimit*100); err != nil {
			k.t.Fatal(err)
		}
	}
	shares := max(p.cpuRequest*1024/1000, 2)
	if err := set(h.cpu, cgroup, "cpu.shares", shares); err != nil {
		k.t.Fatal(err)
	}
}

// startContainer makes a new container cgroup under the pod's, starts the
// workload in it and writes the pod's status as running.
func (k *kubelet) startContainer(p *kernelPod) {
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		k.t.Fatal(err)
	}
	p.cid = hex.EncodeToString(id)
	p.cgroup = p.podCgroup + "/" + p.cid
	if err := k.s.mkdir(p.cgroup); err != nil {
		k.t.Fatal(err)
	}
	k.limits(p.cgroup, p)
	k.mu.Lock()
	k.owners[p.cgroup] = map[string]string{"namespace": kernelNamespace, "pod": p.name, "container": "app", "image": kernelImage}
	k.mu.Unlock()
	k.writeOwners()
	mode, args := p.mode, p.args
	if p.restarts > 0 {
		mode, args = "quiet", nil // restarted after its OOM kill, it behaves
	}
	if mode == "alloc" {
		args = append(args, "-memory-cgroup", filepath.Join(k.s.h.memory, p.cgroup))
	}
	p.w = k.s.start(k.t, p.cgroup, p.name, append([]string{"-mode", mode}, args...)...)
	p.started = time.Now()
	k.writeRunning(p, p.lastTerminated)
}

func (k *kubelet) writeRunning(p *kernelPod, last map[string]any) {
	status := map[string]any{
		"name": "app", "image": kernelImage, "imageID": kernelImage + "@sha256:" + strings.Repeat("0", 64),
		"containerID": "containerd://" + p.cid, "ready": true, "started": true,
		"restartCount": p.restarts,
		"state":        map[string]any{"running": map[string]string{"startedAt": p.started.UTC().Format(time.RFC3339)}},
	}
	if last != nil {
		status["lastState"] = map[string]any{"terminated": last}
	}
	k.patchStatus("pod", kernelNamespace, p.name, map[string]any{
		"phase": "Running", "hostIP": "127.0.0.1", "podIP": "127.0.0.1",
		"startTime": p.started.UTC().Format(time.RFC3339),
		"conditions": []map[string]string{
			{"type": "PodScheduled", "status": "True"}, {"type": "Initialized", "status": "True"},
			{"type": "ContainersReady", "status": "True"}, {"type": "Ready", "status": "True"},
		},
		"containerStatuses": []any{status},
	})
}

// restartAfterExit does what the kubelet does when a container's process
// has ended: reads why from the cgroup (an OOM kill counted in
// memory.oom_control), records the termination in the pod's status, and
// restarts the container in a new cgroup.
func (k *kubelet) restartAfterExit(p *kernelPod) {
	t := k.t
	finished := time.Now()
	p.oomKills = readStat(t, k.s.h.memory, p.cgroup, "memory.oom_control", "oom_kill")
	p.failcnt = readInt(t, k.s.h.memory, p.cgroup, "memory.failcnt")
	sig, signalled := p.w.killedBy()
	t.Logf("%s: process ended (%v) after %v, memory.oom_control oom_kill %d, memory.failcnt %d", p.name, p.w.err, finished.Sub(p.started).Round(time.Second/10), p.oomKills, p.failcnt)
	reason, exitCode := "Error", 1
	switch {
	case p.oomKills > 0 && signalled && sig == syscall.SIGKILL:
		reason, exitCode = "OOMKilled", 137
	case signalled:
		exitCode = 128 + int(sig)
	}
	if reason != "OOMKilled" {
		t.Errorf("the OOM container ended without an OOM kill: %s, exit code %d\n%s", reason, exitCode, p.w.log.String())
	}
	last := map[string]any{
		"exitCode": exitCode, "reason": reason,
		"startedAt":   p.started.UTC().Format(time.RFC3339),
		"finishedAt":  finished.UTC().Format(time.RFC3339),
		"containerID": "containerd://" + p.cid,
	}
	// The runtime removes the dead container's cgroup.
	old := p.cgroup
	for _, root := range k.s.h.all() {
		if err := removeCgroup(filepath.Join(root, old)); err != nil {
			t.Error(err)
		}
	}
	k.mu.Lock()
	delete(k.owners, old)
	k.mu.Unlock()
	p.restarts++
	p.lastTerminated = last
	k.startContainer(p)
}

// cpuacct is a reading of cpuacct.stat, in USER_HZ ticks.
type cpuacct struct{ user, system int64 }

func readCPUAcct(t *testing.T, h hierarchies, cgroup string) cpuacct {
	return cpuacct{
		user:   readStat(t, h.cpuacct, cgroup, "cpuacct.stat", "user"),
		system: readStat(t, h.cpuacct, cgroup, "cpuacct.stat", "system"),
	}
}

// checkCPUSplit compares the user share of CPU time from the pack's
// recording rules with cpuacct.stat's since the baseline (taken when
// Prometheus first had the container).
func checkCPUSplit(t *testing.T, q *promAPI, h hierarchies, p *kernelPod, base cpuacct) {
	t.Helper()
	now := readCPUAcct(t, h, p.cgroup)
	du, ds := now.user-base.user, now.system-base.system
	if du+ds <= 0 {
		t.Fatalf("cpuacct.stat of %s did not move: %+v -> %+v", p.name, base, now)
	}
	kernel := float64(du) / float64(du+ds)
	user := q.value(fmt.Sprintf(`namespace_pod_container:container_cpu_user_seconds:rate5m{pod=%q}`, p.name))
	system := q.value(fmt.Sprintf(`namespace_pod_container:container_cpu_system_seconds:rate5m{pod=%q}`, p.name))
	share := q.value(fmt.Sprintf(`namespace_pod_container:container_cpu_system_seconds:share_rate5m{pod=%q}`, p.name))
	pack := user / (user + system)
	t.Logf("CPU split of %s: pack user %.4f, system %.4f cores (system share %.4f), user share %.4f; cpuacct.stat user %d, system %d ticks since the baseline, user share %.4f",
		p.name, user, system, share, pack, du, ds, kernel)
	if math.Abs(pack-kernel) > cpuSplitTolerance {
		t.Errorf("the pack's user share %.4f differs from cpuacct.stat's %.4f by more than %.2f", pack, kernel, cpuSplitTolerance)
	}
	if math.Abs((1-share)-kernel) > cpuSplitTolerance {
		t.Errorf("the pack's system share %.4f differs from cpuacct.stat's %.4f by more than %.2f", share, 1-kernel, cpuSplitTolerance)
	}
}

// logSeries logs the exporter series of one scenario's container.
func logSeries(t *testing.T, q *promAPI, p *kernelPod, names ...string) {
	t.Helper()
	t.Logf("scenario %s; pod %s (%s QoS), cgroup %s", p.scenario, p.name, p.qos, p.cgroup)
	for _, n := range names {
		sel := fmt.Sprintf(`namespace=%q,pod=%q,container="app"`, kernelNamespace, p.name)
		expr := n + "{" + sel + "}"
		if i := strings.Index(n, "{"); i >= 0 {
			expr = n[:len(n)-1] + "," + sel + "}"
		}
		for _, r := range q.instant(expr) {
			t.Logf("  %s %s", formatLabels(r.Metric), r.Value[1])
		}
	}
}

func formatLabels(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(m["__name__"] + "{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%s=%q", k, m[k])
	}
	b.WriteString("}")
	return b.String()
}

// alertLog gathers every alert seen pending or firing over the run.
type alertLog struct {
	mu   sync.Mutex
	seen map[string]map[string]bool // alertname/pod -> states
}

func (l *alertLog) poll(q *promAPI) {
	var r alertsResponse
	getJSON(q.t, q.url+"/api/v1/alerts", &r)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range r.Data.Alerts {
		key := a.Labels["alertname"] + "/" + a.Labels["pod"]
		if l.seen[key] == nil {
			l.seen[key] = map[string]bool{}
		}
		l.seen[key][a.State] = true
	}
}

func (l *alertLog) add(alert, pod, state string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := alert + "/" + pod
	if l.seen[key] == nil {
		l.seen[key] = map[string]bool{}
	}
	l.seen[key][state] = true
}

type alertSpan struct {
	alert, pod string
	from, to   time.Time
}

// alertSpans reads Prometheus's ALERTS series over the run, evaluation by
// evaluation: for each alert and pod, when it first and last fired.
func alertSpans(q *promAPI, from, to time.Time) []alertSpan {
	q.t.Helper()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Values [][]any           `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	url := fmt.Sprintf("%s/api/v1/query_range?query=%s&start=%d&end=%d&step=1", q.url, urlQuery(`ALERTS{alertstate="firing"}`), from.Unix(), to.Unix()+1)
	getJSON(q.t, url, &r)
	if r.Status != "success" {
		q.t.Fatalf("ALERTS over the run: %s", r.Error)
	}
	var spans []alertSpan
	for _, res := range r.Data.Result {
		if len(res.Values) == 0 {
			continue
		}
		at := func(v []any) time.Time {
			f, _ := v[0].(float64)
			return time.Unix(int64(f), 0)
		}
		spans = append(spans, alertSpan{alert: res.Metric["alertname"], pod: res.Metric["pod"], from: at(res.Values[0]), to: at(res.Values[len(res.Values)-1])})
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].pod != spans[j].pod {
			return spans[i].pod < spans[j].pod
		}
		return spans[i].alert < spans[j].alert
	})
	return spans
}

func (l *alertLog) firing(alert, pod string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[alert+"/"+pod]["firing"]
}

func (l *alertLog) any(alert, pod string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.seen[alert+"/"+pod]) > 0
}

// pods lists the pods the alert was seen for.
func (l *alertLog) pods(alert string) []string {
	return l.list(func(a, p string) (string, bool) { return p, a == alert })
}

// firingPods lists the pods the alert was seen firing for.
func (l *alertLog) firingPods(alert string) []string {
	return l.list(func(a, p string) (string, bool) {
		return p, a == alert && l.seen[a+"/"+p]["firing"]
	})
}

// alerts lists the alerts seen for the pod.
func (l *alertLog) alerts(pod string) []string {
	return l.list(func(a, p string) (string, bool) { return a, p == pod })
}

// list returns, sorted, what pick takes from each alert/pod pair seen.
func (l *alertLog) list(pick func(alert, pod string) (string, bool)) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for key := range l.seen {
		a, p, _ := strings.Cut(key, "/")
		if v, ok := pick(a, p); ok {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func (l *alertLog) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	keys := make([]string, 0, len(l.seen))
	for k := range l.seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// promAPI queries the Prometheus HTTP API.
type promAPI struct {
	t   *testing.T
	url string
}

type sample struct {
	Metric map[string]string `json:"metric"`
	Value  []any             `json:"value"`
}

// on returns the client failing t on errors: a subtest's own.
func (p *promAPI) on(t *testing.T) *promAPI { return &promAPI{t: t, url: p.url} }

func (p *promAPI) instant(expr string) []sample {
	p.t.Helper()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []sample `json:"result"`
		} `json:"data"`
	}
	getJSON(p.t, p.url+"/api/v1/query?query="+urlQuery(expr), &r)
	if r.Status != "success" {
		p.t.Fatalf("query %s: %s", expr, r.Error)
	}
	return r.Data.Result
}

// value returns the one value of an instant query, failing the test when
// there is not exactly one.
func (p *promAPI) value(expr string) float64 {
	p.t.Helper()
	res := p.instant(expr)
	if len(res) != 1 {
		p.t.Fatalf("query %s: %d results, want 1: %+v", expr, len(res), res)
	}
	s, _ := res[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		p.t.Fatalf("query %s: value %v", expr, res[0].Value[1])
	}
	return v
}

// kernelFor is the for the kernel test gives an alert: 0s, but for the
// alerts whose for is part of what they decide.
var kernelFor = map[string]string{
	// Its for (2m in the pack) outlasts the scrapes before
	// kube-state-metrics shows the termination of a container whose first
	// process was killed, the kill ContainerOOMKilled reports: until then
	// the kernel's OOM event alone looks like a kill the container lived
	// through. Here every scrape is 1s and the test writes the termination
	// a few seconds after the kill (kubectl, on a loaded machine); 30s
	// keeps a margin, and the last alert of the run still comes later.
	"ContainerProcessOOMKilled": "30s",
}

// packRuleFile is the generated pack as a rule file, every alert's for
// shortened (to 0s, or kernelFor's) and nothing else changed.
func packRuleFile() ([]byte, error) {
	def, err := jsonnet.Evaluate(nil)
	if err != nil {
		return nil, err
	}
	var alerts struct {
		Groups []struct {
			Rules []struct {
				Alert string `json:"alert"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(def.Alerts, &alerts); err != nil {
		return nil, err
	}
	var overrides generate.Overrides
	used := 0
	for _, g := range alerts.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				if _, ok := kernelFor[r.Alert]; ok {
					used++
				}
				d := cmp.Or(kernelFor[r.Alert], "0s")
				if err := overrides.Set("alerts." + r.Alert + ".for=" + d); err != nil {
					return nil, err
				}
			}
		}
	}
	if used != len(kernelFor) {
		return nil, fmt.Errorf("kernelFor names %d alerts, the pack has %d of them", len(kernelFor), used)
	}
	pack, err := generate.Build(overrides)
	if err != nil {
		return nil, err
	}
	return generate.Render(pack.Groups, generate.FormatRules, rules.YAML, generate.DefaultMeta())
}

// startPackPrometheus starts Prometheus with the rule file, scraping the
// two exporters every second as kube-prometheus's ServiceMonitors would
// label them.
func startPackPrometheus(t *testing.T, bin, dir string, ruleFile []byte, cadvisorURL, ksmURL string) *process {
	t.Helper()
	writeFile(t, filepath.Join(dir, "rules.yaml"), ruleFile)
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yaml]
scrape_configs:
  # As kube-prometheus scrapes the kubelet's cAdvisor endpoint: honoring
  # cAdvisor's labels and timestamps, and marking series stale when a
  # container goes away.
  - job_name: kubelet
    metrics_path: /metrics/cadvisor
    honor_labels: true
    honor_timestamps: true
    track_timestamps_staleness: true
    static_configs:
      - targets: [%q]
        labels: {node: %q, service: kubelet, endpoint: https-metrics}
    relabel_configs:
      - {source_labels: [__metrics_path__], target_label: metrics_path}
  - job_name: kube-state-metrics
    honor_labels: true
    static_configs: [{targets: [%q]}]
`, strings.TrimPrefix(cadvisorURL, "http://"), kernelNode, strings.TrimPrefix(ksmURL, "http://"))
	writeFile(t, filepath.Join(dir, "prometheus.yml"), []byte(config))
	return startPrometheus(t, bin, dir)
}

func waitHTTP(t *testing.T, url, what string) {
	t.Helper()
	waitFor(t, 60*time.Second, what+" to serve", func() (bool, string) {
		resp, err := http.Get(url)
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == 200, resp.Status
	})
}

func portOf(addr string) string {
	_, port, _ := strings.Cut(addr, ":")
	return port
}

func readInt(t *testing.T, root, cgroup, file string) int64 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, cgroup, file))
	if err != nil {
		t.Fatal(err)
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return v
}

// readStat reads one "key value" line of a cgroup file such as memory.stat.
func readStat(t *testing.T, root, cgroup, file, key string) int64 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, cgroup, file))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == key {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				t.Fatalf("%s %s: %v", file, key, err)
			}
			return n
		}
	}
	t.Fatalf("%s has no %s", file, key)
	return 0
}

func memTotalBytes(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb * 1024
		}
	}
	t.Fatal("no MemTotal in /proc/meminfo")
	return 0
}

func kernelVersion() string {
	data, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return strings.TrimSpace(string(data))
}
