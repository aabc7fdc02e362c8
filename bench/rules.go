package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ruleShapes are the rules of one group of a generated rule set, in the
// style of kube-prometheus and kubernetes-mixin: recording rules with
// aggregations and joins on kube-state-metrics, alerts with for, severity
// labels and templated annotations. %[1]d makes names unique; %[2]s is the
// group's name. Every group holds 10 rules.
var ruleShapes = []string{
	`      - record: node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m_%[1]d
        expr: |
          sum by (cluster, namespace, pod, container) (
            rate(container_cpu_usage_seconds_total{job="kubelet", metrics_path="/metrics/cadvisor", image!=""}[5m])
          ) * on (cluster, namespace, pod) group_left (node) topk by (cluster, namespace, pod) (
            1, max by (cluster, namespace, pod, node) (kube_pod_info{node!=""})
          )
`,
	`      - record: node_namespace_pod_container:container_memory_working_set_bytes_%[1]d
        expr: |
          container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", image!=""}
          * on (cluster, namespace, pod) group_left (node) topk by (cluster, namespace, pod) (1,
            max by (cluster, namespace, pod, node) (kube_pod_info{node!=""})
          )
`,
	`      - record: cluster:namespace:pod_memory:active:kube_pod_container_resource_limits_%[1]d
        expr: |
          kube_pod_container_resource_limits{resource="memory", job="kube-state-metrics"}
            * on (namespace, pod, cluster) group_left ()
          max by (namespace, pod, cluster) ((kube_pod_status_phase{phase=~"Pending|Running"} == 1))
`,
	`      - record: namespace_workload_pod:kube_pod_owner:relabel_%[1]d
        expr: |
          max by (cluster, namespace, workload, pod) (
            label_replace(
              kube_pod_owner{job="kube-state-metrics", owner_kind="ReplicaSet"},
              "replicaset", "$1", "owner_name", "(.*)"
            ) * on (replicaset, namespace) group_left (owner_name) topk by (replicaset, namespace) (
              1, max by (replicaset, namespace, owner_name) (kube_replicaset_owner{job="kube-state-metrics"})
            )
          )
`,
	`      - record: namespace_pod_container:container_memory_working_set_bytes:ratio_limit_%[1]d
        expr: |
          max by (cluster, namespace, pod, container) (container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", container!="", image!=""})
          / on (cluster, namespace, pod, container)
          (max by (cluster, namespace, pod, container) (kube_pod_container_resource_limits{job="kube-state-metrics", resource="memory"}) > 0)
`,
	`      - alert: KubePodCrashLooping%[1]d
        expr: |
          max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="kube-state-metrics"}[5m]) >= 1
        for: 15m
        labels:
          severity: warning
        annotations:
          description: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is in waiting state (reason: "CrashLoopBackOff").'
          runbook_url: https://runbooks.example.com/kubernetes/kubepodcrashlooping
          summary: Pod is crash looping.
`,
	`      - alert: ContainerMemoryNearLimit%[1]d
        expr: namespace_pod_container:container_memory_working_set_bytes:ratio_limit_%[3]d > 0.9
        for: 15m
        labels:
          severity: warning
        annotations:
          summary: Container memory is near its limit.
          description: 'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit.'
          runbook_url: https://runbooks.example.com/oomguard/containermemorynearlimit
`,
	`      - alert: CPUThrottlingHigh%[1]d
        expr: |
          sum by (cluster, container, pod, namespace) (increase(container_cpu_cfs_throttled_periods_total{container!="", job="kubelet", metrics_path="/metrics/cadvisor"}[5m]))
            / on (cluster, container, pod, namespace)
          sum by (cluster, container, pod, namespace) (increase(container_cpu_cfs_periods_total{job="kubelet", metrics_path="/metrics/cadvisor"}[5m]))
            > (25 / 100)
        for: 15m
        labels:
          severity: info
        annotations:
          description: '{{ $value | humanizePercentage }} throttling of CPU in namespace {{ $labels.namespace }} for container {{ $labels.container }} in pod {{ $labels.pod }}.'
          runbook_url: https://runbooks.example.com/kubernetes/cputhrottlinghigh
          summary: Processes experience elevated CPU throttling.
`,
	`      - alert: KubeContainerOOMKilled%[1]d
        expr: |
          (max by (cluster, namespace, pod, container) (kube_pod_container_status_last_terminated_reason{job="kube-state-metrics", reason="OOMKilled"}) == 1)
          and on (cluster, namespace, pod, container)
          (increase(kube_pod_container_status_restarts_total{job="kube-state-metrics"}[10m]) > 0)
        labels:
          severity: critical
        annotations:
          summary: A container was killed for running out of memory.
          description: 'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} was OOM-killed.'
          runbook_url: https://runbooks.example.com/oomguard/containeroomkilled
`,
	`      - alert: KubeNodeNotReady%[1]d
        expr: kube_node_status_condition{job="kube-state-metrics", condition="Ready", status="true"} == 0
        for: 15m
        labels:
          severity: warning
        annotations:
          description: '{{ $labels.node }} has been unready for more than 15 minutes.'
          runbook_url: https://runbooks.example.com/kubernetes/kubenodenotready
          summary: Node is not ready.
`,
}

// ruleSet returns rules start to start+n (n a multiple of 10) of a rule
// set, in groups of 10, as the body of a groups list indented for a rule
// file.
func ruleSet(start, n int) string {
	var b strings.Builder
	for g := start / len(ruleShapes); g < (start+n)/len(ruleShapes); g++ {
		fmt.Fprintf(&b, "  - name: kubernetes-resources-%d\n    rules:\n", g)
		for i, shape := range ruleShapes {
			id := g*len(ruleShapes) + i
			// The alert on the ratio reads the ratio rule of its group.
			fmt.Fprintf(&b, shape, id, fmt.Sprint(g), g*len(ruleShapes)+4)
		}
	}
	return b.String()
}

// perFile is the most rules a generated file holds: real repositories
// split their rules over files, and a file of 100,000 rules would be over
// the loader's 16 MiB limit.
const perFile = 10000

// writeRuleSet writes a rule set of n rules as rule files of at most
// perFile rules, and the same rules as PrometheusRule manifests of 1,000
// rules each, perFile rules to a multi-document file; it returns both
// lists of files. Files are written as they are generated, so that this
// process stays small: the peak memory the kernel reports for a child
// includes its parent's at the time it started.
func writeRuleSet(dir string, n int) (ruleFiles, manifests []string) {
	sdir := filepath.Join(dir, fmt.Sprintf("rules-%d", n))
	check(os.MkdirAll(sdir, 0o755))
	for start := 0; start < n; start += perFile {
		size := min(perFile, n-start)
		rf := filepath.Join(sdir, fmt.Sprintf("rules-%d.yaml", start/perFile))
		writeFile(rf, func(w *bufio.Writer) {
			w.WriteString("groups:\n")
			for s := start; s < start+size; s += 1000 {
				w.WriteString(ruleSet(s, min(1000, start+size-s)))
			}
		})
		ruleFiles = append(ruleFiles, rf)

		mf := filepath.Join(sdir, fmt.Sprintf("prometheusrules-%d.yaml", start/perFile))
		writeFile(mf, func(w *bufio.Writer) {
			for s := start; s < start+size; s += 1000 {
				if s > start {
					w.WriteString("---\n")
				}
				fmt.Fprintf(w, "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: kubernetes-resources-%d\n  namespace: monitoring\n  labels: {prometheus: k8s, role: alert-rules}\nspec:\n  groups:\n", s/1000)
				for _, line := range strings.SplitAfter(ruleSet(s, min(1000, start+size-s)), "\n") {
					if line != "" {
						w.WriteString("  " + line)
					}
				}
			}
		})
		manifests = append(manifests, mf)
	}
	return ruleFiles, manifests
}

func writeFile(path string, write func(*bufio.Writer)) {
	f, err := os.Create(path)
	check(err)
	w := bufio.NewWriter(f)
	write(w)
	check(w.Flush())
	check(f.Close())
}

// writeMixin writes a mixin in the kubernetes-mixin layout whose rules
// come from functions over a list of n/10 clusters' worth of parameters,
// in several files, and returns its path.
func writeMixin(dir string, n int) string {
	mdir := filepath.Join(dir, "mixin")
	check(os.MkdirAll(filepath.Join(mdir, "lib"), 0o755))
	check(os.WriteFile(filepath.Join(mdir, "lib", "rules.libsonnet"), []byte(`{
  // One group of recording rules and alerts for shard i.
  recording(cfg, i):: {
    name: 'kubernetes-resources-%d.rules' % i,
    rules: [
      {
        record: 'node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m_%d_%d' % [i, j],
        expr: |||
          sum by (%(clusterLabel)s, namespace, pod, container) (
            rate(container_cpu_usage_seconds_total{%(cadvisorSelector)s, image!=""}[5m])
          ) * on (%(clusterLabel)s, namespace, pod) group_left (node) topk by (%(clusterLabel)s, namespace, pod) (
            1, max by (%(clusterLabel)s, namespace, pod, node) (kube_pod_info{node!=""})
          )
        ||| % cfg,
      }
      for j in std.range(0, 4)
    ],
  },
  alerting(cfg, i):: {
    name: 'kubernetes-resources-%d.alerts' % i,
    rules: [
      {
        alert: 'ContainerMemoryNearLimit%dx%d' % [i, j],
        expr: |||
          max by (%(clusterLabel)s, namespace, pod, container) (container_memory_working_set_bytes{%(cadvisorSelector)s, container!="", image!=""})
            / on (%(clusterLabel)s, namespace, pod, container)
          (max by (%(clusterLabel)s, namespace, pod, container) (kube_pod_container_resource_limits{%(ksmSelector)s, resource="memory"}) > 0)
            > %(threshold)s
        ||| % (cfg { threshold: 0.8 + j / 100 }),
        'for': '15m',
        labels: { severity: if j == 0 then 'critical' else 'warning' },
        annotations: {
          summary: 'Container memory is near its limit.',
          description: 'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit.',
          runbook_url: '%(runbookURLPattern)s' % cfg % std.asciiLower('ContainerMemoryNearLimit'),
        },
      }
      for j in std.range(0, 4)
    ],
  },
}
`), 0o644))
	check(os.WriteFile(filepath.Join(mdir, "config.libsonnet"), []byte(`{
  _config+:: {
    clusterLabel: 'cluster',
    cadvisorSelector: 'job="kubelet", metrics_path="/metrics/cadvisor"',
    ksmSelector: 'job="kube-state-metrics"',
    runbookURLPattern: 'https://runbooks.example.com/kubernetes/%s',
    shards: `+fmt.Sprint(n/10)+`,
  },
}
`), 0o644))
	mixin := filepath.Join(mdir, "mixin.libsonnet")
	check(os.WriteFile(mixin, []byte(`local lib = import 'lib/rules.libsonnet';
(import 'config.libsonnet') + {
  prometheusRules+:: {
    groups+: [lib.recording($._config, i) for i in std.range(0, $._config.shards - 1)],
  },
  prometheusAlerts+:: {
    groups+: [lib.alerting($._config, i) for i in std.range(0, $._config.shards - 1)],
  },
}
`), 0o644))
	return mixin
}
