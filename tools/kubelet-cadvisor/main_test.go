package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cadvisorapi "github.com/google/cadvisor/lib/model"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakeProvider hands cAdvisor's collectors fixed container stats, as the
// manager would after a housekeeping.
type fakeProvider struct {
	containers map[string]*cadvisorapi.ContainerInfo
}

func (f fakeProvider) GetRequestedContainersInfo(string, cadvisorapi.RequestOptions) (map[string]*cadvisorapi.ContainerInfo, error) {
	return f.containers, nil
}

func (fakeProvider) GetVersionInfo() (*cadvisorapi.VersionInfo, error) {
	return &cadvisorapi.VersionInfo{KernelVersion: "6.18", CadvisorVersion: "test"}, nil
}

func (fakeProvider) GetMachineInfo() (*cadvisorapi.MachineInfo, error) {
	return &cadvisorapi.MachineInfo{MemoryCapacity: 1 << 30, NumCores: 2}, nil
}

func cgroup(name string, failcnt, workingSet uint64) *cadvisorapi.ContainerInfo {
	return &cadvisorapi.ContainerInfo{
		ContainerReference: cadvisorapi.ContainerReference{Name: name},
		Spec:               cadvisorapi.ContainerSpec{HasMemory: true, Memory: cadvisorapi.MemorySpec{Limit: 64 << 20}},
		Stats: []*cadvisorapi.ContainerStats{{
			Timestamp: time.Unix(1700000000, 0),
			Memory:    &cadvisorapi.MemoryStats{Failcnt: failcnt, WorkingSet: workingSet},
		}},
	}
}

func writePods(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLabels checks the labels the kubelet gives each kind of cgroup: a
// container's four, a pod cgroup's namespace and pod with container and
// image blank, and blanks for a cgroup nobody owns.
func TestLabels(t *testing.T) {
	pods := filepath.Join(t.TempDir(), "pods.json")
	writePods(t, pods, `{
  "/kubepods/burstable/podu1/c1": {"namespace": "ns", "pod": "p", "container": "app", "image": "registry/app:1"},
  "/kubepods/burstable/podu1": {"namespace": "ns", "pod": "p"}
}`)
	p := fakeProvider{containers: map[string]*cadvisorapi.ContainerInfo{
		"/kubepods/burstable/podu1/c1": cgroup("/kubepods/burstable/podu1/c1", 7, 1000),
		"/kubepods/burstable/podu1":    cgroup("/kubepods/burstable/podu1", 0, 1500),
		"/":                            cgroup("/", 0, 5000),
	}}
	reg := newRegistry(p, &podTable{path: pods})
	want := `# HELP container_memory_failcnt Number of memory usage hits limits
# TYPE container_memory_failcnt counter
container_memory_failcnt{container="",id="/",image="",name="",namespace="",pod=""} 0 1700000000000
container_memory_failcnt{container="",id="/kubepods/burstable/podu1",image="",name="",namespace="ns",pod="p"} 0 1700000000000
container_memory_failcnt{container="app",id="/kubepods/burstable/podu1/c1",image="registry/app:1",name="",namespace="ns",pod="p"} 7 1700000000000
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "container_memory_failcnt"); err != nil {
		t.Error(err)
	}
}

// TestPodsReload checks that a container added to the file after the
// exporter started gets its labels at the next scrape, and that a broken
// file keeps the last good table.
func TestPodsReload(t *testing.T) {
	pods := filepath.Join(t.TempDir(), "pods.json")
	writePods(t, pods, `{}`)
	table := &podTable{path: pods}
	if o, ok := table.lookup("/x/c1"); ok {
		t.Fatalf("empty table names /x/c1: %+v", o)
	}
	writePods(t, pods, `{"/x/c1": {"namespace": "ns", "pod": "p", "container": "app"}}`)
	// A file rewritten within the file system's time granularity still
	// differs in size here; either change is enough.
	if o, _ := table.lookup("/x/c1"); o.Container != "app" {
		t.Fatalf("after the rewrite /x/c1 is %+v, want container app", o)
	}
	writePods(t, pods, `{"/x/c1": `)
	if o, _ := table.lookup("/x/c1"); o.Container != "app" {
		t.Fatalf("a broken file lost the last table: /x/c1 is %+v", o)
	}
}

func TestRunRefusesToWatchEverything(t *testing.T) {
	err := run(options{pods: "p.json"})
	if err == nil || !strings.Contains(err.Error(), "-raw-cgroup-prefixes") {
		t.Fatalf("run without prefixes: %v, want an error naming -raw-cgroup-prefixes", err)
	}
}

func TestSplitList(t *testing.T) {
	got := splitList(" /a/, ,/b/")
	if strings.Join(got, "|") != "/a/|/b/" {
		t.Fatalf("splitList: %q", got)
	}
}
