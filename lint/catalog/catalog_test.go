package catalog

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v4"
)

var update = flag.Bool("update", false, "rewrite docs/metrics.md")

// TestDefault holds the built-in catalog to what its types imply.
func TestDefault(t *testing.T) {
	c := Default()
	// Counters that do not follow the _total convention, as their
	// exporters name them.
	untotalled := []string{"container_memory_failcnt", "kubelet_evictions", "kubelet_preemptions", "node_vmstat_oom_kill", "node_vmstat_pgmajfault"}
	n := 0
	for _, g := range c.Groups() {
		if g.About == "" {
			t.Errorf("source %s: no about", g.Source)
		}
		for _, m := range g.Metrics {
			n++
			if m.Help == "" {
				t.Errorf("%s: no help", m.Name)
			}
			if m.Type == Counter && !strings.HasSuffix(m.Name, "_total") && !slices.Contains(untotalled, m.Name) {
				t.Errorf("%s: a counter without _total", m.Name)
			}
			if m.Type == Gauge && strings.HasSuffix(m.Name, "_total") {
				t.Errorf("%s: a gauge named _total", m.Name)
			}
			if c.Type(m.Name) == "" {
				t.Errorf("%s: its sources disagree on its type", m.Name)
			}
			if !slices.IsSorted(m.Labels) {
				t.Errorf("%s: labels not sorted", m.Name)
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d metrics", n)
	}
	for _, name := range []string{"container_cpu_usage_seconds_total", "container_memory_working_set_bytes"} {
		if c.Source(name, Cadvisor) == nil || c.Source(name, KubeletResource) == nil {
			t.Errorf("%s: want it from cadvisor and kubelet-resource", name)
		}
	}
}

func TestLookup(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		name string
		want Type
	}{
		{"container_cpu_usage_seconds_total", Counter},
		{"container_memory_working_set_bytes", Gauge},
		{"prometheus_rule_group_duration_seconds", Summary},
		{"prometheus_rule_group_duration_seconds_count", Counter},
		{"prometheus_rule_group_duration_seconds_bucket", ""},
		{"no_such_metric", ""},
	} {
		if got := c.Type(tc.name); got != tc.want {
			t.Errorf("Type(%s) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if r, ok := c.Range("kube_pod_container_status_last_terminated_reason"); !ok || r != (Range{0, 1}) {
		t.Errorf("Range(last_terminated_reason) = %v, %v", r, ok)
	}
	if _, ok := c.Range("container_memory_rss"); ok {
		t.Error("container_memory_rss has a range")
	}
	if got := c.ZeroMeans("container_spec_memory_limit_bytes"); got != "no limit" {
		t.Errorf("ZeroMeans(container_spec_memory_limit_bytes) = %q", got)
	}
}

func TestWith(t *testing.T) {
	c := Default().With([]Metric{
		{Name: "up", Type: Counter},
		{Name: "job:requests:rate5m", Type: Gauge, Range: &Range{0, 1}},
	})
	if got := c.Type("up"); got != Counter {
		t.Errorf("up replaced: type %q", got)
	}
	if ms := c.Lookup("up"); len(ms) != 1 || ms[0].Source != "config" {
		t.Errorf("up: %v", ms)
	}
	if _, ok := c.Range("job:requests:rate5m"); !ok {
		t.Error("added entry without its range")
	}
	if Default().Type("up") != Gauge {
		t.Error("With changed the built-in catalog")
	}
}

func TestEntries(t *testing.T) {
	for _, tc := range []struct {
		src, want string
	}{
		{"- {name: a, type: gauge, range: [0, 1], labels: [b, a], zeroMeans: none, help: h, source: app}", ""},
		{"{name: a}", "1:1: want a list of metrics"},
		{"- [a]", "1:3: want a metric"},
		{"- {type: gauge}", "1:3: metric without a name"},
		{"- {name: a}", "1:3: metric a: type missing"},
		{"- {name: 1a, type: gauge}", `1:10: invalid metric name "1a"`},
		{"- {name: a, type: count}", `1:19: unknown type "count"`},
		{"- {name: a, type: gauge, kind: x}", `1:26: unknown key "kind"`},
		{"- {name: a, type: gauge, labels: [a-b]}", `1:35: invalid label name "a-b"`},
		{"- {name: a, type: gauge, labels: [b, b]}", `1:38: label b listed twice`},
		{"- {name: a, type: gauge, labels: b}", `1:34: want a list of label names`},
		{"- {name: a, type: gauge, range: [1]}", `1:33: want a range as [min, max]`},
		{"- {name: a, type: gauge, range: [0, x]}", `1:37: want a number, not "x"`},
		{"- {name: a, type: gauge, range: [2, 1]}", `1:33: range [2, 1]: min above max`},
		{"- {name: a_total, type: counter, range: [0, 1]}", `1:41: metric a_total: a range bounds a gauge, not a counter`},
		{"- {name: a, type: counter, zeroMeans: off}", `1:19: metric a: zeroMeans applies to a gauge`},
		{"- {name: a, type: gauge, help: [x]}", `1:32: want a string`},
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(tc.src), &n); err != nil {
			t.Fatal(err)
		}
		ms, err := Entries(&n)
		got := ""
		if err != nil {
			got = err.Error()
			if _, ok := err.(*Error); !ok {
				t.Errorf("%s: error %T, want *Error", tc.src, err)
			}
		}
		if tc.want == "" && err != nil || tc.want != "" && !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.src, got, tc.want)
		}
		if tc.want == "" && (len(ms) != 1 || !slices.Equal(ms[0].Labels, []string{"a", "b"})) {
			t.Errorf("%s: got %+v", tc.src, ms)
		}
	}
}

// TestDocs keeps docs/metrics.md equal to what the catalog says.
func TestDocs(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`# Metric catalog

Generated from the metric catalog (` + "`lint/catalog/metrics.yaml`" + `); ` + "`make update-golden`" + ` rewrites it.

` + "`oomguard lint`" + ` reads this catalog to know how a metric behaves: whether it is a
counter or a gauge (` + "`promql/rate-on-gauge`, `promql/counter-without-rate`" + `), which
exporters serve it (` + "`kubernetes/resource-endpoint-overlap`" + `), the range of its
values (` + "`promql/impossible-comparison`" + `) and what a 0 stands for
(` + "`promql/unguarded-divisor`" + `). A metric it does not list is not checked.

The type is how the value behaves: a counter only grows, and restarts at 0
when its process does. Scraping adds target labels (` + "`job`, `instance`" + ` and what
the service monitor adds) that the tables do not list.

Add your own metrics, or correct an entry, in the ` + "`lint`" + ` section of
` + "`.oomguard.yaml`" + `. An entry replaces the catalog's entries of its name:

` + "```yaml" + `
lint:
  metrics:
    - name: namespace_pod_container:container_memory_working_set_bytes:limit_ratio
      type: gauge
      labels: [namespace, pod, container]
      help: Working set over the memory limit.
    - name: app_queue_full
      type: gauge
      range: [0, 1]
      source: my-app
` + "```" + `

Keys: ` + "`name`" + ` and ` + "`type`" + ` (counter, gauge, histogram, summary or untyped) are
required; ` + "`source`, `labels`, `range` ([min, max], gauges only), `zeroMeans`" + ` (what
0 stands for, gauges only) and ` + "`help`" + ` are optional.
`)
	for _, g := range Default().Groups() {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", g.Source, g.About)
		if len(g.Labels) > 0 {
			fmt.Fprintf(&b, "\nEvery metric has the labels %s.\n", codeList(g.Labels))
		}
		b.WriteString("\n| metric | type | labels | notes |\n|---|---|---|---|\n")
		for _, m := range g.Metrics {
			var own []string
			for _, l := range m.Labels {
				if !slices.Contains(g.Labels, l) {
					own = append(own, l)
				}
			}
			notes := m.Help
			if m.Range != nil {
				notes += " Range: " + m.Range.String() + "."
			}
			if m.ZeroMeans != "" {
				notes += " 0 means " + m.ZeroMeans + "."
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", m.Name, m.Type, codeList(own), strings.ReplaceAll(notes, "|", `\|`))
		}
	}
	path := "../../docs/metrics.md"
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(want, b.Bytes()) {
		t.Fatalf("docs/metrics.md is out of date: run make update-golden")
	}
}

func codeList(ls []string) string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = "`" + l + "`"
	}
	return strings.Join(out, ", ")
}
