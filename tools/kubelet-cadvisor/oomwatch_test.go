package main

import (
	"io"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	cadvisorapi "github.com/google/cadvisor/lib/model"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Records as /dev/kmsg gave them on a 6.18 kernel for a memory cgroup
// (v1) OOM kill, and as kernels before 4.19 wrote the cgroup line.
const (
	recInvoked = "4,1048,11862955064,-;workload invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
	recOOMKill = "6,1125,11862955331,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0," +
		"oom_memcg=/kubepods/burstable/podu1,task_memcg=/kubepods/burstable/podu1/c1,task=workload,pid=32724,uid=0\n"
	recKilled = "3,1126,11862955355,-;Memory cgroup out of memory: Killed process 32724 (workload) total-vm:1292908kB, anon-rss:65920kB, file-rss:1748kB, shmem-rss:0kB, UID:0 pgtables:212kB oom_score_adj:0\n"
	recLegacy = "6,812,5170221712,-;Task in /kubepods/burstable/podu2/c2 killed as a result of limit of /kubepods/burstable/podu2\n"
)

func TestOOMKilledCgroup(t *testing.T) {
	for _, tc := range []struct {
		record, want string
	}{
		{recOOMKill, "/kubepods/burstable/podu1/c1"},
		{recLegacy, "/kubepods/burstable/podu2/c2"},
		// A continuation line (the record's dictionary) is not the message.
		{"6,1,2,-;oom-kill:constraint=CONSTRAINT_NONE,task=x,pid=1\n SUBSYSTEM=task_memcg=/nope\n", ""},
		{recInvoked, ""},
		{recKilled, ""},
		{"oom-kill:constraint=CONSTRAINT_MEMCG,task_memcg=/no/header\n", ""},
		{"", ""},
	} {
		got, ok := oomKilledCgroup(tc.record)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("oomKilledCgroup(%q) = %q, %v; want %q", tc.record, got, ok, tc.want)
		}
	}
}

// records reads as /dev/kmsg does: one record a Read, EPIPE where the
// ring buffer overtook the reader.
type records struct{ items []any }

func (r *records) Read(p []byte) (int, error) {
	if len(r.items) == 0 {
		return 0, io.EOF
	}
	item := r.items[0]
	r.items = r.items[1:]
	if err, ok := item.(error); ok {
		return 0, err
	}
	return copy(p, item.(string)), nil
}

func TestWatchCounts(t *testing.T) {
	c := newOOMCounts()
	r := &records{items: []any{recInvoked, recOOMKill, recKilled, syscall.EPIPE, recInvoked, recOOMKill, recKilled, recLegacy}}
	if err := c.watch(r); err != nil {
		t.Fatal(err)
	}
	if got := c.get("/kubepods/burstable/podu1/c1"); got != 2 {
		t.Errorf("c1: %d kills, want 2", got)
	}
	if got := c.get("/kubepods/burstable/podu2/c2"); got != 1 {
		t.Errorf("c2: %d kills, want 1", got)
	}
	if got := c.get("/kubepods/burstable/podu1"); got != 0 {
		t.Errorf("the pod cgroup, whose limit the kill was for, got %d kills: the kubelet counts the killed task's cgroup", got)
	}
	if err := c.watch(&records{items: []any{syscall.EIO}}); err == nil {
		t.Error("a read error other than EPIPE did not stop the watcher")
	}
}

// TestOOMEventsServed: the counts replace cAdvisor's container_oom_events_total
// for the cgroup killed in, and only for it.
func TestOOMEventsServed(t *testing.T) {
	pods := filepath.Join(t.TempDir(), "pods.json")
	writePods(t, pods, `{"/kubepods/burstable/podu1/c1": {"namespace": "ns", "pod": "p", "container": "app"}}`)
	c := newOOMCounts()
	if err := c.watch(&records{items: []any{recOOMKill}}); err != nil {
		t.Fatal(err)
	}
	p := oomEventsProvider{counts: c, infoProvider: fakeProvider{containers: map[string]*cadvisorapi.ContainerInfo{
		"/kubepods/burstable/podu1/c1": cgroup("/kubepods/burstable/podu1/c1", 0, 1000),
		"/kubepods/burstable/podu1":    cgroup("/kubepods/burstable/podu1", 0, 1000),
	}}}
	want := `# HELP container_oom_events_total Count of out of memory events observed for the container
# TYPE container_oom_events_total counter
container_oom_events_total{container="",id="/kubepods/burstable/podu1",image="",name="",namespace="",pod=""} 0 1700000000000
container_oom_events_total{container="app",id="/kubepods/burstable/podu1/c1",image="",name="",namespace="ns",pod="p"} 1 1700000000000
`
	if err := testutil.GatherAndCompare(newRegistry(p, &podTable{path: pods}), strings.NewReader(want), "container_oom_events_total"); err != nil {
		t.Error(err)
	}
}
