package rules

import (
	"bytes"
	"fmt"
	"io"
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
