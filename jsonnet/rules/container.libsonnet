// Recording rules, per container. Every aggregation and join keeps the
// cluster label; joins are made on the container's labels after max by (or
// topk by (..., 1, ...)) has de-duplicated both sides, so duplicate scrape
// targets (two kube-state-metrics replicas, a pod briefly on two nodes)
// cannot break them.
local u = import '../lib/utils.libsonnet';

{
  prometheusRules+:: {
    local c = $._config,
    local by = u.list(u.containerLabels(c)),
    local podBy = u.list(u.podLabels(c)),
    local nodeBy = u.list(u.nodeLabels(c)),
    local w = c.rateWindow,
    local sel = $._selectors,
    local cadvisor = sel.cadvisor,
    local ksm = sel.ksm,
    local names = $._names,
    local fresh = $._fresh,

    groups+: [
      {
        name: 'oomguard-container-memory.rules',
        rules: [
          {
            record: names.workingSet,
            expr: 'max by (%s) (\n%s)' % [by, fresh('container_memory_working_set_bytes')],
          },
          {
            record: names.rss,
            expr: 'max by (%s) (\n%s)' % [by, fresh('container_memory_rss')],
          },
          {
            // RSS and the page cache that is on no file LRU list: shmem
            // (tmpfs, emptyDir in memory, shared memory) and unevictable
            // files. The kernel reclaims neither without swap, yet both
            // count as cache: container_memory_cache less the active and
            // inactive file lists, which cAdvisor exports since 0.50
            // (kubelet 1.32). RSS alone where those are not scraped.
            record: names.unreclaimable,
            expr: |||
              %(rss)s
              + on (%(by)s)
              (
                clamp_min(
                  max by (%(by)s) (
              %(cache)s)
                  - on (%(by)s)
                  max by (%(by)s) (
              %(active)s)
                  - on (%(by)s)
                  max by (%(by)s) (
              %(inactive)s),
                  0
                )
                or on (%(by)s)
                0 * %(rss)s
              )
            ||| % {
              rss: names.rss,
              by: by,
              cache: fresh('container_memory_cache'),
              active: fresh('container_memory_total_active_file_bytes'),
              inactive: fresh('container_memory_total_inactive_file_bytes'),
            },
          },
          {
            record: names.memoryLimit,
            expr:
              if c.memoryLimitSource == 'kube-state-metrics' then
                'max by (%s) (kube_pod_container_resource_limits{%s})' % [by, ksm('resource="memory"')]
              else if c.memoryLimitSource == 'cadvisor' then
                // 0 means no limit.
                'max by (%s) (\n%s) > 0' % [by, fresh('container_spec_memory_limit_bytes')]
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
            record: names.unreclaimableRatio,
            expr: |||
              %(unreclaimable)s
              / on (%(by)s)
              (%(limit)s > 0)
            ||| % { unreclaimable: names.unreclaimable, by: by, limit: names.memoryLimit },
          },
          {
            // Containers whose limit hits no counter can show: cgroup v2
            // (PSI series exist only there; or the kubelet says so) where
            // cAdvisor is older than 0.57 and exports only failcnt, which
            // stays 0 on v2.
            record: names.limitHitsUncounted,
            expr: |||
              group by (%(by)s) (
                (
                  group by (%(by)s) (container_memory_failcnt{%(sel)s})
                  unless on (%(by)s)
                  group by (%(by)s) (container_memory_events_max_total{%(sel)s})
                )
                and on (%(by)s)
                (
                  group by (%(by)s) (container_pressure_memory_stalled_seconds_total{%(sel)s})
                  or on (%(by)s)
                  group by (%(by)s) (
                    container_memory_failcnt{%(sel)s}
                    and on (%(cluster)s, instance)
                    (kubelet_cgroup_version{%(kubelet)s} == 2)
                  )
                )
              )
            ||| % { by: by, sel: cadvisor, cluster: c.clusterLabel, kubelet: sel.kubelet },
          },
          {
            // Limit hits a second. cgroup v1 counts them in failcnt, v2 in
            // memory.events "max"; cAdvisor 0.57 and later exports both on
            // both, the other staying 0. A rising counter wins over a
            // constant one, and source says which was read: both, when
            // both stand still. Nothing is recorded where no counter can
            // count (see limit_hits:uncounted).
            record: names.limitHits,
            expr: |||
              label_replace(max by (%(by)s) (rate(container_memory_events_max_total{%(sel)s}[%(w)s])) > 0, "source", "memory.events max", "", "")
              or on (%(by)s)
              label_replace(max by (%(by)s) (rate(container_memory_failcnt{%(sel)s}[%(w)s])) > 0, "source", "failcnt", "", "")
              or on (%(by)s)
              label_replace(
                max by (%(by)s) (rate(container_memory_events_max_total{%(sel)s}[%(w)s]))
                and on (%(by)s)
                max by (%(by)s) (rate(container_memory_failcnt{%(sel)s}[%(w)s])),
                "source", "failcnt, memory.events max", "", ""
              )
              or on (%(by)s)
              label_replace(max by (%(by)s) (rate(container_memory_events_max_total{%(sel)s}[%(w)s])), "source", "memory.events max", "", "")
              or on (%(by)s)
              label_replace(
                max by (%(by)s) (rate(container_memory_failcnt{%(sel)s}[%(w)s]))
                unless on (%(by)s)
                %(uncounted)s,
                "source", "failcnt", "", ""
              )
            ||| % { by: by, sel: cadvisor, w: w, uncounted: names.limitHitsUncounted },
          },
          {
            // Memory PSI (cgroup v2, kubelet 1.34+ or the KubeletPSI
            // feature): the share of time some task waited on memory.
            record: names.memoryWaiting,
            expr: 'max by (%s) (rate(container_pressure_memory_waiting_seconds_total{%s}[%s]))' % [by, cadvisor, w],
          },
          {
            // ... and the share of time every task of the container stalled.
            record: names.memoryStalled,
            expr: 'max by (%s) (rate(container_pressure_memory_stalled_seconds_total{%s}[%s]))' % [by, cadvisor, w],
          },
        ],
      },
      {
        name: 'oomguard-container-cpu.rules',
        rules: [
          {
            record: names.cpuUser,
            expr: 'max by (%s) (rate(container_cpu_user_seconds_total{%s}[%s]))' % [by, cadvisor, w],
          },
          {
            record: names.cpuSystem,
            expr: 'max by (%s) (rate(container_cpu_system_seconds_total{%s}[%s]))' % [by, cadvisor, w],
          },
          {
            record: names.cpuUsage,
            expr: 'max by (%s) (rate(container_cpu_usage_seconds_total{%s}[%s]))' % [by, cadvisor, w],
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
              max by (%(by)s) (increase(container_cpu_cfs_throttled_periods_total{%(sel)s}[%(w)s]))
              / on (%(by)s)
              (max by (%(by)s) (increase(container_cpu_cfs_periods_total{%(sel)s}[%(w)s])) > 0)
            ||| % { by: by, sel: cadvisor, w: w },
          },
        ],
      },
      {
        name: 'oomguard-container-oom-score.rules',
        rules: [
          {
            // The node's memory capacity, per pod. A pod shows on one node
            // only, even when kube_pod_info briefly has two (a stale series
            // after a node failure, two kube-state-metrics out of step).
            record: names.podNodeCapacity,
            expr: |||
              max by (%(podBy)s, node) (
                topk by (%(podBy)s) (1, max by (%(podBy)s, node) (kube_pod_info{%(pod)s}))
                * on (%(nodeBy)s) group_left ()
                max by (%(nodeBy)s) (kube_node_status_capacity{%(node)s})
              )
            ||| % { podBy: podBy, nodeBy: nodeBy, pod: ksm('node!=""'), node: sel.ksmNode('resource="memory"') },
          },
          {
            // The kubelet's oom_score_adj (pkg/kubelet/qos/policy.go):
            // node-critical pods (priority class system-node-critical)
            // and Guaranteed pods -997, BestEffort 1000, Burstable
            // 1000 - 1000 * request / capacity, kept within [3, 999].
            record: names.oomScoreAdj,
            expr: |||
              (
                -997 + 0 * (
                  max by (%(by)s) (kube_pod_container_info{%(info)s})
                  * on (%(podBy)s) group_left ()
                  (
                    max by (%(podBy)s) (kube_pod_info{%(critical)s})
                    or on (%(podBy)s)
                    (max by (%(podBy)s) (kube_pod_status_qos_class{%(guaranteed)s}) == 1)
                  )
                )
              )
              or on (%(by)s)
              (
                1000 + 0 * (
                  max by (%(by)s) (kube_pod_container_info{%(info)s})
                  * on (%(podBy)s) group_left ()
                  (max by (%(podBy)s) (kube_pod_status_qos_class{%(besteffort)s}) == 1)
                )
              )
              or on (%(by)s)
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
              critical: ksm('priority_class="system-node-critical"'),
              request: ksm('resource="memory"'),
              guaranteed: ksm('qos_class="Guaranteed"'),
              besteffort: ksm('qos_class="BestEffort"'),
              burstable: ksm('qos_class="Burstable"'),
              capacity: names.podNodeCapacity,
            },
          },
          {
            // The kernel's score, roughly: the share of the node's memory
            // the container holds in RSS and swap, in thousandths, plus
            // oom_score_adj. It reads cAdvisor itself, not the other
            // group's recordings, so that it never runs one evaluation
            // behind. Higher is killed first: sort_desc by node gives the
            // order.
            record: names.oomScore,
            expr: |||
              (
                1000 * (
                  max by (%(by)s) (
              %(rss)s)
                  + on (%(by)s)
                  (
                    max by (%(by)s) (
              %(swap)s)
                    or on (%(by)s)
                    0 * max by (%(by)s) (
              %(rss)s)
                  )
                )
                / on (%(podBy)s) group_left (node)
                (%(capacity)s > 0)
              )
              + on (%(by)s) group_left ()
              %(adj)s
            ||| % {
              by: by,
              podBy: podBy,
              rss: fresh('container_memory_rss'),
              swap: fresh('container_memory_swap'),
              capacity: names.podNodeCapacity,
              adj: names.oomScoreAdj,
            },
          },
        ],
      },
    ],
  },

  // The selectors every rule builds on.
  _selectors:: {
    local c = $._config,
    // Containers only: not the pod's own cgroup (container="", which would
    // count the pod twice), nor the pause container cri-dockerd shows as
    // container="POD", nor the kubelet's /metrics/resource (no image).
    cadvisor: u.selector([c.cadvisorSelector, c.namespaceSelector, 'container!=""', 'container!="POD"', 'image!=""']),
    ksm(extra=''):: u.selector([c.kubeStateMetricsSelector, c.namespaceSelector, extra]),
    ksmNode(extra=''):: u.selector([c.kubeStateMetricsSelector, extra]),
    kubelet: c.kubeletSelector,
  },

  // _fresh selects the samples of a cAdvisor gauge that describe a live
  // container: cAdvisor's series carry explicit timestamps, so without
  // track_timestamps_staleness Prometheus keeps a dead cgroup's last
  // sample for 5 minutes. A sample counts when it is younger than
  // cadvisorSampleMaxAge (a deleted container) and at most 30s older than
  // the newest sample of the same container (a restarted container's old
  // cgroup, whose id differs).
  _fresh(metric)::
    local c = $._config;
    local by = u.list(u.containerLabels(c));
    local s = '%s{%s}' % [metric, $._selectors.cadvisor];
    |||
        %(s)s
        and
        (timestamp(%(s)s) > time() - %(age)s)
        and
        (timestamp(%(s)s) >= on (%(by)s) group_left () (max by (%(by)s) (timestamp(%(s)s)) - 30))
    ||| % { s: s, by: by, age: u.num(u.seconds(c.cadvisorSampleMaxAge)) },

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
    unreclaimable: 'namespace_pod_container:container_memory_unreclaimable_bytes:max',
    unreclaimableRatio: 'namespace_pod_container:container_memory_unreclaimable_bytes:limit_ratio',
    memoryRatio: if $._config.memoryMetric == 'rss' then self.rssRatio
    else if $._config.memoryMetric == 'working_set' then self.workingSetRatio
    else error 'memoryMetric must be working_set or rss, not %s' % $._config.memoryMetric,
    memory: if $._config.memoryMetric == 'rss' then self.rss else self.workingSet,
    limitHits: 'namespace_pod_container:container_memory_limit_hits:rate' + w,
    limitHitsUncounted: 'namespace_pod_container:container_memory_limit_hits:uncounted',
    memoryWaiting: 'namespace_pod_container:container_pressure_memory_waiting_seconds:rate' + w,
    memoryStalled: 'namespace_pod_container:container_pressure_memory_stalled_seconds:rate' + w,
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
