package top

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleReport() *Report {
	secs := 4440.0
	main := Container{Cluster: "a", Node: "n1", Namespace: "ns", Pod: "two", Container: "main", OOMScoreAdj: 875, OOMScore: 972.7,
		KillRank: 2, MemoryBytes: 1900 * mi, LimitBytes: 2048 * mi, LimitRatio: 0.9277, GrowthPerSec: 34952.533, SecondsToLimit: &secs}
	be := Container{Cluster: "a", Node: "n1", Namespace: "ns", Pod: "be", Container: "app", OOMScoreAdj: 1000, OOMScore: 1012.2,
		KillRank: 1, MemoryBytes: 120 * mi}
	return &Report{Source: SourceRules, MemoryMetric: "working_set", Time: time.Unix(7200, 0).UTC(),
		Nodes: []Node{{Cluster: "a", Node: "n1", Containers: []Container{be, main}}}, NearLimit: []Container{main}}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	want := `a/n1: kill order
#  NAMESPACE/POD/CONTAINER  OOM_SCORE_ADJ  SCORE   WORKING SET  LIMIT  USED
1  ns/be/app                1000           1012.2  120MiB       -      -
2  ns/two/main              875            972.7   1.9GiB       2GiB   92.8%

closest to their memory limit
NAMESPACE/POD/CONTAINER  NODE  WORKING SET  LIMIT  USED   GROWTH    LIMIT IN
ns/two/main              a/n1  1.9GiB       2GiB   92.8%  120MiB/h  1h14m
`
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("table (-want +got):\n%s", d)
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	want := `cluster,node,kill_rank,namespace,pod,container,oom_score_adj,oom_score,memory_bytes,limit_bytes,limit_ratio,growth_bytes_per_second,seconds_to_limit
a,n1,1,ns,be,app,1000,1012.2,125829120,,,0,
a,n1,2,ns,two,main,875,972.7,1992294400,2147483648,0.9277,34952.533,4440
`
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("csv (-want +got):\n%s", d)
	}
}

func TestWriteJSONAndTruncate(t *testing.T) {
	r := sampleReport()
	r.Truncate(1)
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	want := `{
  "source": "rules",
  "memoryMetric": "working_set",
  "time": "1970-01-01T02:00:00Z",
  "nodes": [
    {
      "cluster": "a",
      "node": "n1",
      "containers": [
        {
          "cluster": "a",
          "node": "n1",
          "namespace": "ns",
          "pod": "be",
          "container": "app",
          "oomScoreAdj": 1000,
          "oomScore": 1012.2,
          "killRank": 1,
          "memoryBytes": 125829120,
          "growthBytesPerSecond": 0
        }
      ]
    }
  ],
  "nearLimit": [
    {
      "cluster": "a",
      "node": "n1",
      "namespace": "ns",
      "pod": "two",
      "container": "main",
      "oomScoreAdj": 875,
      "oomScore": 972.7,
      "killRank": 2,
      "memoryBytes": 1992294400,
      "limitBytes": 2147483648,
      "limitRatio": 0.9277,
      "growthBytesPerSecond": 34952.533,
      "secondsToLimit": 4440
    }
  ]
}
`
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("json (-want +got):\n%s", d)
	}
}
