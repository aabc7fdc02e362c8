package rules

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
)

// ruleFile returns a rule file of n rules shaped like kube-prometheus's:
// recording rules with aggregations and joins, alerts with labels and
// annotations, multi-line expressions.
func ruleFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString("groups:\n")
	for i := 0; i < n; i++ {
		if i%20 == 0 {
			fmt.Fprintf(&b, "  - name: group-%d\n    interval: 1m\n    rules:\n", i/20)
		}
		if i%2 == 0 {
			fmt.Fprintf(&b, `      - record: namespace_pod_container:container_memory_working_set_bytes:max%d
        expr: |
          max by (cluster, namespace, pod, container) (
            container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", container!="", image!=""}
          )
          * on (cluster, namespace, pod) group_left (node) topk by (cluster, namespace, pod) (1, max by (cluster, namespace, pod, node) (kube_pod_info{node!=""}))
`, i)
			continue
		}
		fmt.Fprintf(&b, `      - alert: ContainerMemoryNearLimit%d
        expr: namespace_pod_container:container_memory_working_set_bytes:ratio_limit > 0.9
        for: 15m
        labels:
          severity: warning
        annotations:
          summary: Container memory is near its limit.
          description: 'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its limit.'
          runbook_url: https://example.com/runbooks/ContainerMemoryNearLimit
`, i)
	}
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		data := ruleFile(n)
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, errs := Parse("bench.yaml", data, Options{}); len(errs) > 0 {
					b.Fatal(errs)
				}
			}
		})
	}
}

func BenchmarkWritePrometheusRule(b *testing.B) {
	f, errs := Parse("bench.yaml", ruleFile(1000), Options{})
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		pr := PrometheusRule(ObjectMeta{Name: "bench"}, f.Groups())
		if err := WritePrometheusRules(io.Discard, []*monitoringv1.PrometheusRule{pr}, YAML); err != nil {
			b.Fatal(err)
		}
	}
}

// listYAML is `kubectl get prometheusrules -A -o yaml` of n objects of 5
// rules each.
func listYAML(n int) []byte {
	var b bytes.Buffer
	b.WriteString("apiVersion: v1\nitems:\n")
	for i := range n {
		fmt.Fprintf(&b, `- apiVersion: monitoring.coreos.com/v1
  kind: PrometheusRule
  metadata:
    creationTimestamp: "2024-05-01T10:00:00Z"
    generation: 3
    labels:
      prometheus: k8s
      role: alert-rules
    name: rules-%d
    namespace: ns-%d
    resourceVersion: "%d"
    uid: 6b1c8a0e-0000-4000-8000-%012d
  spec:
    groups:
    - name: group-%d
      rules:
`, i, i, 100000+i, i, i)
		for j := range 5 {
			fmt.Fprintf(&b, `      - alert: ContainerMemoryNearLimit%d
        annotations:
          description: Container {{ $labels.container }} uses {{ $value | humanizePercentage }} of its limit.
          summary: Container memory is near its limit.
        expr: |
          max by (namespace, pod, container) (container_memory_working_set_bytes{job="kubelet", container!=""})
            / on (namespace, pod, container) max by (namespace, pod, container) (kube_pod_container_resource_limits{resource="memory"}) > 0.9
        for: 15m
        labels:
          severity: warning
`, j)
		}
	}
	b.WriteString("kind: List\nmetadata:\n  resourceVersion: \"\"\n")
	return b.Bytes()
}

// listJSON is the same as compact JSON on one line (jq -c), one rule an
// object.
func listJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"apiVersion":"v1","kind":"List","items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"apiVersion":"monitoring.coreos.com/v1","kind":"PrometheusRule","metadata":{"name":"r%d","namespace":"ns"},"spec":{"groups":[{"name":"g","rules":[{"record":"ns:up:sum","expr":"sum by (namespace) (up{job=\"a\"})"}]}]}}`, i)
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

// unknownFields is a PrometheusRule of n rules, each with an unknown key.
func unknownFields(n int) []byte {
	var b bytes.Buffer
	b.WriteString("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: u\nspec:\n  groups:\n  - name: g\n    rules:\n")
	for i := range n {
		fmt.Fprintf(&b, "    - record: r%d\n      expr: sum(up)\n      severity: warning\n", i)
	}
	return b.Bytes()
}

// longLine is a rule file on one line, in flow style, of n rules whose
// expressions do not parse: n errors positioned on one line.
func longLine(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{groups: [{name: g, rules: [`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{record: r%d, expr: "sum(rate(x[5m])) + bad(("}`, i)
	}
	b.WriteString("]}]}\n")
	return b.Bytes()
}

// ruleOf is a rule file of one recording rule of expression expr.
func ruleOf(expr string) []byte {
	return []byte("groups:\n- name: g\n  rules:\n  - record: r\n    expr: |\n      " + expr + "\n")
}

// BenchmarkParseScaling loads inputs of 1x, 10x and 100x a size: the cost
// per item must stay flat (ns/op grows tenfold at each step). The inputs
// are those the loader once handled in quadratic time or memory.
func BenchmarkParseScaling(b *testing.B) {
	cases := []struct {
		name  string
		sizes []int
		make  func(int) []byte
		// errs says whether the input has errors, as expected.
		errs bool
	}{
		{"list-yaml/objects", []int{10, 100, 1000}, listYAML, false},
		{"list-json/objects", []int{100, 1000, 10000}, listJSON, false},
		{"unknown-fields/rules", []int{100, 1000, 10000}, unknownFields, true},
		{"long-line/errors", []int{100, 1000, 10000}, longLine, true},
		{"labels/matchers", []int{100, 1000, 10000}, func(n int) []byte {
			m := make([]string, n)
			for i := range m {
				m[i] = fmt.Sprintf(`l%d="v%d"`, i, i)
			}
			return ruleOf("a{" + strings.Join(m, ",") + "}")
		}, false},
		// Past the operator limit the loader stops scanning: 10 KB, 100 KB
		// and 1 MB of a + a + ... cost the same.
		{"sum-chain/bytes", []int{10_000, 100_000, 1_000_000}, func(n int) []byte {
			return ruleOf(strings.Repeat("a + ", n/4) + "a")
		}, true},
		{"parens/depth", []int{10_000, 100_000, 1_000_000}, func(n int) []byte {
			return ruleOf(strings.Repeat("(", n) + "a" + strings.Repeat(")", n))
		}, true},
	}
	for _, tc := range cases {
		for _, n := range tc.sizes {
			data := tc.make(n)
			b.Run(fmt.Sprintf("%s=%d", tc.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if _, errs := Parse("bench.yaml", data, Options{}); (len(errs) > 0) != tc.errs {
						b.Fatalf("%d errors: %.300v", len(errs), errs)
					}
				}
			})
		}
	}
}
