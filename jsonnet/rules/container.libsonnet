// Recording rules, per container. Every join is made on the container's
// labels (plus the cluster label when kept), after de-duplicating both
// sides with max by, so duplicate scrape targets cannot break it.
local u = import '../lib/utils.libsonnet';

{
  prometheusRules+:: {
    local c = $._config,
    local by = u.list(u.containerLabels(c)),
    local podBy = u.list(u.podLabels(c)),
    local nodeBy = u.list(u.nodeLabels(c)),
    local w = c.rateWindow,
    local cadvisor = u.selector([c.cadvisorSelector, c.namespaceSelector, 'container!=""', 'image!=""']),
    local ksm(extra) = u.selector([c.kubeStateMetricsSelector, c.namespaceSelector, extra]),
    local ksmNode(extra) = u.selector([c.kubeStateMetricsSelector, extra]),
    local names = $._names,

    groups+: [
      {
        name: 'oomguard-container-memory.rules',
        rules: [
          {
            record: names.workingSet,
            expr: 'max by (%s) (container_memory_working_set_bytes{%s})' % [by, cadvisor],
          },
          {
            record: names.rss,
            expr: 'max by (%s) (container_memory_rss{%s})' % [by, cadvisor],
          },
          {
            record: names.memoryLimit,
            expr:
              if c.memoryLimitSource == 'kube-state-metrics' then
                'max by (%s) (kube_pod_container_resource_limits{%s})' % [by, ksm('resource="memory"')]
              else if c.memoryLimitSource == 'cadvisor' then
                // 0 means no limit.
                'max by (%s) (container_spec_memory_limit_bytes{%s}) > 0' % [by, cadvisor]
              else error 'memoryLimitSource must be kube-state-metrics or cadvisor, not %s' % c.memoryLimitSource,
          },
          {
            record: names.workingSetRatio,
            expr: |||
              %(ws)s
              / on (%(by)s)
              (%(limit)s > 0)
            ||| % { ws: names.workingSet, by: by, limit: names.memoryLimit },
          },
          {
            record: names.rssRatio,
            expr: |||
              %(rss)s
              / on (%(by)s)
              (%(limit)s > 0)
            ||| % { rss: names.rss, by: by, limit: names.memoryLimit },
          },
          {
            // cgroup v2 counts limit hits in memory.events "max"; on cgroup
            // v1 failcnt does, and on v2 it stays 0: take whichever exists,
            // and say which in the source label.
            record: names.limitHits,
            expr: |||
              label_replace(
                sum by (%(by)s) (rate(container_memory_events_max_total{%(sel)s}[%(w)s])),
                "source", "memory.events max", "", ""
              )
              or on (%(by)s)
              label_replace(
                sum by (%(by)s) (rate(container_memory_failcnt{%(sel)s}[%(w)s])),
                "source", "failcnt", "", ""
              )
            ||| % { by: by, sel: cadvisor, w: w },
          },
        ],
      },
      {
        name: 'oomguard-container-cpu.rules',
        rules: [
          {
            record: names.cpuUser,
            expr: 'sum by (%s) (rate(container_cpu_user_seconds_total{%s}[%s]))' % [by, cadvisor, w],
          },
          {
            record: names.cpuSystem,
            expr: 'sum by (%s) (rate(container_cpu_system_seconds_total{%s}[%s]))' % [by, cadvisor, w],
          },
          {
            record: names.cpuUsage,
            expr: 'sum by (%s) (rate(container_cpu_usage_seconds_total{%s}[%s]))' % [by, cadvisor, w],
          },
          {
            // user + system need not equal usage: the share is of the two.
            record: names.cpuSystemShare,
            expr: |||
              %(system)s
              / on (%(by)s)
              ((%(user)s + on (%(by)s) %(system)s) > 0)
            ||| % { system: names.cpuSystem, user: names.cpuUser, by: by },
          },
          {
            record: names.cpuLimit,
            expr: 'max by (%s) (kube_pod_container_resource_limits{%s})' % [by, ksm('resource="cpu"')],
          },
          {
            record: names.cpuLimitRatio,
            expr: |||
              %(usage)s
              / on (%(by)s)
              (%(limit)s > 0)
            ||| % { usage: names.cpuUsage, by: by, limit: names.cpuLimit },
          },
          {
            // Only containers with a CPU limit have CFS periods.
            record: names.throttled,
            expr: |||
              sum by (%(by)s) (increase(container_cpu_cfs_throttled_periods_total{%(sel)s}[%(w)s]))
              / on (%(by)s)
              (sum by (%(by)s) (increase(container_cpu_cfs_periods_total{%(sel)s}[%(w)s])) > 0)
            ||| % { by: by, sel: cadvisor, w: w },
          },
        ],
      },
      {
        name: 'oomguard-container-oom-score.rules',
        rules: [
          {
            // The node's memory capacity, per pod.
            record: names.podNodeCapacity,
            expr: |||
              max by (%(podBy)s, node) (
                kube_pod_info{%(pod)s}
                * on (%(nodeBy)s) group_left ()
                max by (%(nodeBy)s) (kube_node_status_capacity{%(node)s})
              )
            ||| % { podBy: podBy, nodeBy: nodeBy, pod: ksm('node!=""'), node: ksmNode('resource="memory"') },
          },
          {
            // The kubelet's oom_score_adj (pkg/kubelet/qos/policy.go):
            // Guaranteed -997, BestEffort 1000, Burstable
            // 1000 - 1000 * request / capacity, kept within [3, 999].
            // Node-critical pods get -997 whatever their class; their
            // priority class is not among these series.
            record: names.oomScoreAdj,
            expr: |||
              (
                -997 + 0 * (
                  max by (%(by)s) (kube_pod_container_info{%(info)s})
                  * on (%(podBy)s) group_left ()
                  (max by (%(podBy)s) (kube_pod_status_qos_class{%(guaranteed)s}) == 1)
                )
              )
              or
              (
                1000 + 0 * (
                  max by (%(by)s) (kube_pod_container_info{%(info)s})
                  * on (%(podBy)s) group_left ()
                  (max by (%(podBy)s) (kube_pod_status_qos_class{%(besteffort)s}) == 1)
                )
              )
              or
              (
                clamp(
                  1000 - floor(
                    1000 * (
                      max by (%(by)s) (kube_pod_container_resource_requests{%(request)s})
                      or on (%(by)s)
                      0 * max by (%(by)s) (kube_pod_container_info{%(info)s})
                    )
                    / on (%(podBy)s) group_left ()
                    max by (%(podBy)s) (%(capacity)s > 0)
                  ),
                  3, 999
                )
                * on (%(podBy)s) group_left ()
                (max by (%(podBy)s) (kube_pod_status_qos_class{%(burstable)s}) == 1)
              )
            ||| % {
              by: by,
              podBy: podBy,
              info: ksm('container!=""'),
              request: ksm('resource="memory"'),
              guaranteed: ksm('qos_class="Guaranteed"'),
              besteffort: ksm('qos_class="BestEffort"'),
              burstable: ksm('qos_class="Burstable"'),
              capacity: names.podNodeCapacity,
            },
          },
          {
            // The kernel's score, roughly: the share of the node's memory
            // the container holds, in thousandths, plus oom_score_adj. It
            // reads RSS from cAdvisor itself, not from the other group's
            // recording, so that it never runs one evaluation behind.
            // Higher is killed first: sort_desc by node gives the order.
            record: names.oomScore,
            expr: |||
              (
                1000 * (
                  max by (%(by)s) (container_memory_rss{%(sel)s})
                  + on (%(by)s)
                  (
                    max by (%(by)s) (container_memory_swap{%(sel)s})
                    or on (%(by)s)
                    0 * max by (%(by)s) (container_memory_rss{%(sel)s})
                  )
                )
                / on (%(podBy)s) group_left (node)
                (%(capacity)s > 0)
              )
              + on (%(by)s) group_left ()
              %(adj)s
            ||| % { by: by, podBy: podBy, sel: cadvisor, capacity: names.podNodeCapacity, adj: names.oomScoreAdj },
          },
        ],
      },
    ],
  },

  // Names of the recording rules; rates carry the window.
  _names:: {
    local w = $._config.rateWindow,
    workingSet: 'namespace_pod_container:container_memory_working_set_bytes:max',
    rss: 'namespace_pod_container:container_memory_rss:max',
    memoryLimit:
      if $._config.memoryLimitSource == 'cadvisor'
      then 'namespace_pod_container:container_spec_memory_limit_bytes:max'
      else 'namespace_pod_container:kube_pod_container_resource_limits_memory_bytes:max',
    workingSetRatio: 'namespace_pod_container:container_memory_working_set_bytes:limit_ratio',
    rssRatio: 'namespace_pod_container:container_memory_rss:limit_ratio',
    memoryRatio: if $._config.memoryMetric == 'rss' then self.rssRatio
    else if $._config.memoryMetric == 'working_set' then self.workingSetRatio
    else error 'memoryMetric must be working_set or rss, not %s' % $._config.memoryMetric,
    memory: if $._config.memoryMetric == 'rss' then self.rss else self.workingSet,
    limitHits: 'namespace_pod_container:container_memory_limit_hits:rate' + w,
    cpuUser: 'namespace_pod_container:container_cpu_user_seconds:rate' + w,
    cpuSystem: 'namespace_pod_container:container_cpu_system_seconds:rate' + w,
    cpuUsage: 'namespace_pod_container:container_cpu_usage_seconds:rate' + w,
    cpuSystemShare: 'namespace_pod_container:container_cpu_system_seconds:share_rate' + w,
    cpuLimit: 'namespace_pod_container:kube_pod_container_resource_limits_cpu_cores:max',
    cpuLimitRatio: 'namespace_pod_container:container_cpu_usage_seconds:limit_ratio_rate' + w,
    throttled: 'namespace_pod_container:container_cpu_cfs_throttled_periods:ratio_rate' + w,
    podNodeCapacity: 'namespace_pod_node:kube_node_status_capacity_memory_bytes:max',
    oomScoreAdj: 'namespace_pod_container:oom_score_adj:max',
    oomScore: 'namespace_pod_container_node:oom_score:estimate',
  },
}
