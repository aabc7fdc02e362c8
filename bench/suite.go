package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// rulesYAML are container-memory rules of the kind oomguard's pack holds:
// recording rules joined on namespace, pod and container, and alerts on
// them.
const rulesYAML = `groups:
  - name: container-memory.rules
    rules:
      - record: namespace_pod_container:container_memory_working_set_bytes:max
        expr: max by (namespace, pod, container) (container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", container!="", image!=""})
      - record: namespace_pod_container:kube_pod_container_resource_limits_memory_bytes:max
        expr: max by (namespace, pod, container) (kube_pod_container_resource_limits{job="kube-state-metrics", resource="memory"})
      - record: namespace_pod_container:container_memory_working_set_bytes:ratio_limit
        expr: |
          namespace_pod_container:container_memory_working_set_bytes:max
          / on (namespace, pod, container)
          (namespace_pod_container:kube_pod_container_resource_limits_memory_bytes:max > 0)
      - record: namespace_pod_container:container_cpu_usage_seconds:rate5m
        expr: sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{job="kubelet", metrics_path="/metrics/cadvisor", container!="", image!=""}[5m]))
  - name: container-memory.alerts
    rules:
      - alert: ContainerMemoryNearLimit
        expr: namespace_pod_container:container_memory_working_set_bytes:ratio_limit > 0.9
        for: 15m
        labels:
          severity: warning
        annotations:
          summary: Container memory is near its limit.
          description: 'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit.'
      - alert: ContainerOOMKilled
        expr: |
          (max by (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{job="kube-state-metrics", reason="OOMKilled"}) == 1)
          and on (namespace, pod, container)
          (increase(kube_pod_container_status_restarts_total{job="kube-state-metrics"}[10m]) > 0)
        labels:
          severity: critical
        annotations:
          summary: A container was killed for running out of memory.
`

// writeSuite writes a rule file and a test file of groups test groups,
// each with hours of one-minute input for five containers, alert tests at
// four times and an expression test at the end; it returns the test file's
// name.
func writeSuite(dir string, groups, hours int) string {
	check(os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(rulesYAML), 0o644))
	points := hours * 60
	end := fmt.Sprintf("%dh", hours)
	var b strings.Builder
	b.WriteString("rule_files: [rules.yaml]\nevaluation_interval: 1m\ntests:\n")
	for g := range groups {
		fmt.Fprintf(&b, "  - name: group-%d\n    interval: 1m\n    input_series:\n", g)
		for c := range 5 {
			l := fmt.Sprintf(`namespace="ns", pod="p%d", container="c"`, c)
			fmt.Fprintf(&b, "      - series: 'container_memory_working_set_bytes{job=\"kubelet\", metrics_path=\"/metrics/cadvisor\", image=\"i\", %s}'\n        values: '%d+1x%d'\n", l, 500+c*100, points)
			fmt.Fprintf(&b, "      - series: 'kube_pod_container_resource_limits{job=\"kube-state-metrics\", resource=\"memory\", %s}'\n        values: '1000x%d'\n", l, points)
			fmt.Fprintf(&b, "      - series: 'container_cpu_usage_seconds_total{job=\"kubelet\", metrics_path=\"/metrics/cadvisor\", image=\"i\", %s}'\n        values: '0+30x%d'\n", l, points)
			fmt.Fprintf(&b, "      - series: 'kube_pod_container_status_restarts_total{job=\"kube-state-metrics\", %s}'\n        values: '0x%d'\n", l, points)
			fmt.Fprintf(&b, "      - series: 'kube_pod_container_status_last_terminated_reason{job=\"kube-state-metrics\", reason=\"OOMKilled\", %s}'\n        values: '0x%d'\n", l, points)
		}
		b.WriteString("    alert_rule_test:\n")
		for _, t := range []string{"5m", "1h", end} {
			fmt.Fprintf(&b, "      - eval_time: %s\n        alertname: ContainerOOMKilled\n", t)
		}
		b.WriteString("    promql_expr_test:\n")
		fmt.Fprintf(&b, "      - expr: count(namespace_pod_container:container_memory_working_set_bytes:ratio_limit)\n        eval_time: %s\n        exp_samples:\n          - value: 5\n", end)
	}
	name := "suite_test.yml"
	check(os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644))
	return name
}
