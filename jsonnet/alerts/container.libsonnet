// Alerts. Each has for, a severity label, summary, description and
// runbook_url. Descriptions are written once, as functions of how a label
// and the value are shown, so the same text serves the rules (as Go
// templates) and the pack's tests (rendered).
local u = import '../lib/utils.libsonnet';

{
  prometheusAlerts+:: {
    local a = $._config.alerts,
    groups+: [{
      name: 'oomguard-container-resources',
      rules: [
        $._alert(name, $._alertDefs[name])
        for name in std.objectFields($._alertDefs)
        if a[name].enabled
      ],
    }],
  },

  // _alert builds an alerting rule from a definition.
  _alert(name, def):: {
    local c = $._config,
    local cfg = c.alerts[name],
    alert: name,
    expr: def.expr,
    'for': cfg['for'],
    labels: { severity: cfg.severity } + c.extraLabels,
    annotations: {
      summary: def.summary,
      description: $._describe(def.description, $._templateShow),
      runbook_url: c.runbookURLPattern % name,
    },
  },

  // How the rules show labels and values: Go templates.
  _templateShow:: {
    label(name):: '{{ $labels.%s }}' % name,
    percent:: '{{ $value | humanizePercentage }}',
    number:: '{{ printf "%.2f" $value }}',
    count:: '{{ $value }}',
    none:: '',
    // The cluster of a container, when showMultiCluster is on.
    cluster::
      if $._config.showMultiCluster
      then '{{ with index $labels "%s" }} on cluster {{ . }}{{ end }}' % $._config.clusterLabel
      else '',
    // The cluster an alert about a whole cluster is about, whenever the
    // series carry the label.
    inCluster:: '{{ with index $labels "%s" }} in cluster {{ . }}{{ end }}' % $._config.clusterLabel,
  },

  // _describe fills a description's placeholders: %(container)s and the
  // like for labels, %(value)s for the value as the definition shows it.
  // (Replaced, not formatted: std.format is slow, and the tests render a
  // description for every alert they expect.)
  _describe(desc, show)::
    local subs = {
      container: show.label('container'),
      pod: show.label('pod'),
      namespace: show.label('namespace'),
      source: show.label('source'),
      cluster: show.cluster,
      inCluster: show.inCluster,
      value: show[desc.value],
    };
    std.foldl(function(text, k) std.strReplace(text, '%(' + k + ')s', subs[k]), std.objectFields(subs), desc.text),

  _alertDefs:: {
    local c = $._config,
    local a = c.alerts,
    local n = $._names,
    local sel = $._selectors,
    local ksm = sel.ksm,
    local by = u.list(u.containerLabels(c)),
    local uidBy = u.list(u.containerUIDLabels(c)),
    local podBy = u.list(u.podLabels(c)),
    local clusterBy = u.list(u.clusterLabels(c)),
    local memoryWord = if c.memoryMetric == 'rss' then 'RSS' else 'working set',
    local secs(d) = u.num(u.seconds(d)),
    local near = u.num(a.ContainerMemoryNearLimit.threshold),
    // kube-state-metrics has one family for containers and one for init
    // containers (native sidecars among them); a pod's containers and init
    // containers never share a name, so the two make one set.
    local families = ['kube_pod_container', 'kube_pod_init_container'],
    local union(f) = std.join('\nor on (%s)\n' % uidBy, [f(p) for p in families]),

    // The last termination was an OOM kill.
    local lastOOM(p) = '(max by (%s) (%s_status_last_terminated_reason{%s}) == 1)' % [uidBy, p, ksm('reason="OOMKilled"')],
    // The container terminated within the window: by the time of its last
    // termination (kube-state-metrics 2.12 for containers, 2.20 for init
    // containers), which sees a kill before the pod's first scrape too, or
    // by a restart.
    local terminatedWithin(p, window) = |||
      (time() - max by (%(uidBy)s) (%(p)s_status_last_terminated_timestamp{%(ksm)s}) < %(secs)s)
      or on (%(uidBy)s)
      (max by (%(uidBy)s) (increase(%(p)s_status_restarts_total{%(ksm)s}[%(window)s])) > 0)
    ||| % { uidBy: uidBy, p: p, ksm: ksm(), secs: secs(window), window: window },
    // A container that does not restart (restartPolicy Never, or not yet):
    // it is terminated now, OOMKilled, and was not a window ago.
    local terminatedOOM(p, window) = |||
      (max by (%(uidBy)s) (%(p)s_status_terminated_reason{%(oom)s}) == 1)
      unless on (%(uidBy)s)
      (max by (%(uidBy)s) (%(p)s_status_terminated_reason{%(oom)s} offset %(window)s) == 1)
    ||| % { uidBy: uidBy, p: p, oom: ksm('reason="OOMKilled"'), window: window },
    // Terminations within the window: the changes of the last termination
    // time, plus the first one seen when it is itself within the window (a
    // young pod killed before its first scrape); restarts where the time is
    // not exported.
    local terminations(p, window) = |||
      (
        max by (%(uidBy)s) (changes(%(p)s_status_last_terminated_timestamp{%(ksm)s}[%(window)s]))
        + on (%(uidBy)s)
        max by (%(uidBy)s) (min_over_time(%(p)s_status_last_terminated_timestamp{%(ksm)s}[%(window)s]) > bool (time() - %(secs)s))
      )
      or on (%(uidBy)s)
      max by (%(uidBy)s) (increase(%(p)s_status_restarts_total{%(ksm)s}[%(window)s]))
    ||| % { uidBy: uidBy, p: p, ksm: ksm(), secs: secs(window), window: window },

    ContainerMemoryNearLimit: {
      expr: '%s > %s' % [n.memoryRatio, u.num(a.ContainerMemoryNearLimit.threshold)],
      summary: 'A container uses most of its memory limit.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s uses %(value)s of its memory limit (' + memoryWord + (
          if c.memoryMetric == 'rss' then ').'
          else ', which counts page cache the kernel reclaims before it kills).'
        ),
        value: 'percent',
      },
    },
    ContainerMemoryAtLimit: {
      expr: '%s > %s' % [n.unreclaimableRatio, u.num(a.ContainerMemoryAtLimit.threshold)],
      summary: 'A container is at its memory limit with memory the kernel cannot reclaim, and will be OOM-killed.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s holds %(value)s of its memory limit in RSS and shared memory (tmpfs), which the kernel cannot reclaim without swap: it is OOM-killed when the rest no longer fits.',
        value: 'percent',
      },
    },
    ContainerMemoryLimitPredicted: {
      local cfg = a.ContainerMemoryLimitPredicted,
      local recent = u.duration(u.seconds(cfg.window) / 4),
      // Growing over the window, and still growing over its last quarter
      // at half the rate or more: a start-up ramp that went flat does not
      // count. Only a container with a window of history is predicted: in
      // its first window a start-up ramp cannot be told from a leak.
      expr: |||
        (
          predict_linear(%(memory)s[%(window)s], %(horizon)s)
          >= on (%(by)s)
          %(limit)s
        )
        and on (%(by)s)
        (
          deriv(%(memory)s[%(recent)s])
          >= on (%(by)s)
          0.5 * deriv(%(memory)s[%(window)s])
        )
        and on (%(by)s)
        (%(memory)s offset %(window)s)
        and on (%(by)s)
        (%(ratio)s <= %(near)s)
      ||| % {
        memory: n.memory,
        window: cfg.window,
        recent: recent,
        horizon: secs(cfg.horizon),
        by: by,
        limit: n.memoryLimit,
        ratio: n.memoryRatio,
        near: near,
      },
      summary: 'A container will reach its memory limit soon at its current growth.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s grows towards its memory limit (' + memoryWord + '): at the rate of the last ' + cfg.window + ' it reaches it within ' + cfg.horizon + '.',
        value: 'none',
      },
    },
    ContainerMemoryLimitHits: {
      local cfg = a.ContainerMemoryLimitHits,
      expr: |||
        (%(hits)s > %(threshold)s)
        and on (%(by)s)
        (%(rss)s >= %(min)s)
      ||| % { hits: n.limitHits, threshold: u.num(cfg.threshold), by: by, rss: n.unreclaimableRatio, min: u.num(cfg.minRSSRatio) },
      summary: 'A container keeps hitting its memory limit while most of it is memory the kernel cannot reclaim.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s hits its memory limit %(value)s times a second (counted by %(source)s) with RSS and shared memory at ' + u.num(100 * cfg.minRSSRatio) + '% of the limit or more: the kernel reclaims what it can and OOM-kills it when that is not enough.',
        value: 'number',
      },
    },
    ContainerMemoryPressure: {
      expr: '%s > %s' % [n.memoryStalled, u.num(a.ContainerMemoryPressure.threshold)],
      summary: 'A container stalls on memory.',
      description: {
        text: 'Every task of container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s was stalled waiting for memory %(value)s of the time (PSI, cgroup v2): it is reclaiming or swapping at its limit.',
        value: 'percent',
      },
    },
    ContainerMemoryLimitHitsUncounted: {
      expr: 'count by (%s) (%s) > 0' % [clusterBy, n.limitHitsUncounted],
      summary: 'Memory limit hits cannot be counted for some containers.',
      description: {
        text: '%(value)s containers%(inCluster)s run on cgroup v2 nodes whose kubelet exports no memory limit-hit counter (its cAdvisor is older than 0.57, before Kubernetes 1.37): ContainerMemoryLimitHits cannot fire for them; ContainerMemoryPressure covers them where memory PSI is exported.',
        value: 'count',
      },
    },
    ContainerMemoryLimitHitsUnknown: {
      // Containers with failcnt and no memory.events max (a kubelet before
      // 1.37), on a node that shows neither memory PSI (exported on cgroup
      // v2 only) nor its kubelet_cgroup_version (kubelet /metrics, 1.31+):
      // nothing tells whether failcnt counts there (v1) or stays 0 (v2).
      // Read from the sources, not from recordings: an alert on absence
      // must not fire before a recording group's first evaluation.
      expr: |||
        count by (%(clusterBy)s) (
          group by (%(by)s) (container_memory_failcnt{%(cad)s})
          unless on (%(by)s)
          group by (%(by)s) (container_memory_events_max_total{%(cad)s})
          unless on (%(by)s)
          group by (%(by)s) (container_pressure_memory_stalled_seconds_total{%(cad)s})
          unless on (%(by)s)
          group by (%(by)s) (
            container_memory_failcnt{%(cad)s}
            and on (%(cluster)s, instance)
            kubelet_cgroup_version{%(kubelet)s}
          )
        ) > 0
      ||| % { clusterBy: clusterBy, by: by, cad: sel.cadvisor, cluster: c.clusterLabel, kubelet: sel.kubelet },
      summary: 'The pack cannot tell whether memory limit hits are counted for some containers.',
      description: {
        text: '%(value)s containers%(inCluster)s have container_memory_failcnt as their only limit-hit counter, on nodes whose cgroup version nothing scraped shows (no memory PSI series, no kubelet_cgroup_version from the kubelet\'s /metrics): on cgroup v1 their zero limit hits are real, on cgroup v2 failcnt never counts and ContainerMemoryLimitHits cannot fire for them. Scrape the kubelet\'s /metrics (kubeletSelector; kubelet 1.31+) to tell.',
        value: 'count',
      },
    },
    ContainerOOMKilled: {
      local cfg = a.ContainerOOMKilled,
      expr: union(function(p) |||
        (
          %(lastOOM)s
          and on (%(uidBy)s)
          (
        %(within)s  )
        )
        or on (%(uidBy)s)
        (
        %(never)s)
      ||| % { lastOOM: lastOOM(p), uidBy: uidBy, within: terminatedWithin(p, cfg.window), never: terminatedOOM(p, cfg.window) }),
      summary: 'A container was OOM-killed.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s was killed for running out of memory in the last ' + cfg.window + '.',
        value: 'none',
      },
    },
    ContainerOOMKilledRepeatedly: {
      local cfg = a.ContainerOOMKilledRepeatedly,
      expr: |||
        (
          %(kills)s
        ) >= %(threshold)s
        and on (%(uidBy)s)
        (
          %(last)s
        )
      ||| % {
        kills: union(function(p) '(\n%s)' % terminations(p, cfg.window)),
        threshold: u.num(cfg.threshold),
        uidBy: uidBy,
        last: union(lastOOM),
      },
      summary: 'A container is OOM-killed again and again.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s terminated at least ' + u.num(cfg.threshold) + ' times in the last ' + cfg.window + ', the last time for running out of memory.',
        value: 'none',
      },
    },
    ContainerProbablyOOMKilled: {
      local cfg = a.ContainerProbablyOOMKilled,
      local before = u.duration(2 * u.seconds(cfg.window)),
      // Exit code 137 (SIGKILL) is also a failed liveness probe, an
      // eviction or a kill by hand: only with memory near the limit in the
      // minutes before is it a probable OOM kill.
      expr: |||
        (
          %(exit137)s
        )
        and on (%(uidBy)s)
        (
          %(within)s
        )
        and on (%(by)s)
        (
          max_over_time(%(ws)s[%(before)s]) > %(near)s
          or on (%(by)s)
          max_over_time(%(rss)s[%(before)s]) > %(near)s
        )
      ||| % {
        exit137: union(function(p) '(\n  (max by (%(uidBy)s) (%(p)s_status_last_terminated_exitcode{%(ksm)s}) == 137)\n  unless on (%(uidBy)s)\n  %(oom)s\n)' % { uidBy: uidBy, p: p, ksm: ksm(), oom: lastOOM(p) }),
        uidBy: uidBy,
        within: union(function(p) '(\n%s)' % terminatedWithin(p, cfg.window)),
        by: by,
        ws: n.workingSetRatio,
        rss: n.rssRatio,
        before: before,
        near: near,
      },
      summary: 'A container was probably OOM-killed: exit code 137 with memory near its limit.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s was killed (exit code 137) in the last ' + cfg.window + ' without the reason OOMKilled, with its working set or RSS above ' + u.num(100 * a.ContainerMemoryNearLimit.threshold) + '% of its memory limit in the ' + before + ' before: probably a kill for memory that the runtime did not report as one.',
        value: 'none',
      },
    },
    ContainerProcessOOMKilled: {
      local cfg = a.ContainerProcessOOMKilled,
      // A kill that ends the container (its first process) is
      // ContainerOOMKilled's, or ContainerProbablyOOMKilled's: containers
      // that terminated within the window, or are terminated now, are left
      // out. container_oom_events_total comes from the kernel log (the
      // kubelet's own OOM watcher since 1.37; cAdvisor's count before,
      // which stayed 0 in many releases): where it stays 0 the alert is
      // silent, never wrong.
      expr: |||
        (max by (%(by)s) (increase(container_oom_events_total{%(cad)s}[%(window)s])) > 0)
        unless on (%(by)s)
        max by (%(by)s) (
        %(ended)s)
      ||| % {
        by: by,
        cad: sel.cadvisor,
        window: cfg.window,
        ended: union(function(p) '(
%s  or on (%s)
  (max by (%s) (%s_status_terminated_reason{%s}) == 1)
)' % [terminatedWithin(p, cfg.window), uidBy, uidBy, p, ksm()]),
      },
      summary: 'A process of a container was OOM-killed; the container lives on.',
      description: {
        text: 'A process of container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s was killed for running out of memory in the last ' + cfg.window + ', and the container did not terminate: a child of its first process, most likely, whose work was lost without a restart to show it.',
        value: 'none',
      },
    },
    ContainerCPUSystemShareHigh: {
      local cfg = a.ContainerCPUSystemShareHigh,
      expr: |||
        (%(share)s > %(threshold)s)
        and on (%(by)s)
        (%(usage)s >= %(min)s)
      ||| % { share: n.cpuSystemShare, threshold: u.num(cfg.threshold), by: by, usage: n.cpuUsage, min: u.num(cfg.minUsageCores) },
      summary: 'A container spends most of its CPU time in the kernel.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s spends %(value)s of its CPU time in the kernel (system time), which points at memory reclaim, page faults, or heavy syscalls.',
        value: 'percent',
      },
    },
    ContainerCPUThrottlingHigh: {
      expr: '%s > %s' % [n.throttled, u.num(a.ContainerCPUThrottlingHigh.threshold)],
      summary: 'A container is throttled by its CPU limit.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s was throttled in %(value)s of its CPU scheduling periods.',
        value: 'percent',
      },
    },
    ContainerCPUNearLimit: {
      expr: |||
        (%(ratio)s > %(threshold)s)
        unless on (%(podBy)s)
        max by (%(podBy)s) (kube_pod_info{%(job)s})
      ||| % { ratio: n.cpuLimitRatio, threshold: u.num(a.ContainerCPUNearLimit.threshold), podBy: podBy, job: ksm('created_by_kind="Job"') },
      summary: 'A container uses most of its CPU limit.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s uses %(value)s of its CPU limit.',
        value: 'percent',
      },
    },
    ContainerWithoutMemoryLimit: {
      // A pod-level limit (pod-level resources) bounds the containers of
      // the pod: cAdvisor shows it on the pod's own cgroup. The limit is
      // read from its source, not from the recording of another group:
      // an alert on the absence of a recording fires when it evaluates
      // before that group has recorded anything (at start-up).
      expr: |||
        max by (%(by)s) (kube_pod_container_status_running{%(running)s} == 1)
        unless on (%(by)s)
        max by (%(by)s) (%(limit)s > 0)
        unless on (%(podBy)s)
        max by (%(podBy)s) (container_spec_memory_limit_bytes{%(podCgroup)s} > 0)
      ||| % {
        by: by,
        running: ksm('container!=""'),
        limit:
          if c.memoryLimitSource == 'cadvisor' then 'container_spec_memory_limit_bytes{%s}' % sel.cadvisor
          else 'kube_pod_container_resource_limits{%s}' % ksm('resource="memory"'),
        podBy: podBy,
        podCgroup: u.selector([c.cadvisorSelector, c.namespaceSelector, 'container=""', 'pod!=""']),
      },
      summary: 'A container runs without a memory limit.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s has no memory limit: nothing bounds its memory but the node, and the kernel may kill other containers for it.',
        value: 'none',
      },
    },
    ContainerCadvisorMetricsMissing: {
      expr: |||
        group by (%(clusterBy)s) (kube_pod_container_status_running{%(running)s} == 1)
        unless on (%(clusterBy)s)
        group by (%(clusterBy)s) (container_memory_working_set_bytes{%(cadvisor)s})
        or
        absent(container_memory_working_set_bytes{%(cadvisor)s})
      ||| % { clusterBy: clusterBy, running: ksm('container!=""'), cadvisor: sel.cadvisor },
      summary: "The pack sees no container's memory from cAdvisor.",
      description: {
        text: 'No cAdvisor series of container memory match the selector%(inCluster)s: every memory and CPU alert of the pack is blind there. Check that the kubelet is scraped at /metrics/cadvisor and that the selector matches it (' + c.cadvisorSelector + ').',
        value: 'none',
      },
    },
    ContainerStateMetricsMissing: {
      expr: |||
        group by (%(clusterBy)s) (container_memory_working_set_bytes{%(cadvisor)s})
        unless on (%(clusterBy)s)
        group by (%(clusterBy)s) (kube_pod_container_status_restarts_total{%(ksm)s})
        or
        absent(kube_pod_container_status_restarts_total{%(ksm)s})
      ||| % { clusterBy: clusterBy, cadvisor: sel.cadvisor, ksm: ksm() },
      summary: 'The pack sees no container state from kube-state-metrics.',
      description: {
        text: 'No kube-state-metrics series of container restarts match the selector%(inCluster)s: OOM kills go unnoticed there, and memory limits are unknown when they come from kube-state-metrics. Check that kube-state-metrics runs and that the selector matches it (' + c.kubeStateMetricsSelector + ').',
        value: 'none',
      },
    },
    ContainerMemoryLimitsMissing: {
      local ksmSource = c.memoryLimitSource == 'kube-state-metrics',
      expr: |||
        group by (%(clusterBy)s) (container_memory_working_set_bytes{%(cadvisor)s})
        unless on (%(clusterBy)s)
        group by (%(clusterBy)s) (%(limits)s)
      ||| % {
        clusterBy: clusterBy,
        cadvisor: sel.cadvisor,
        limits:
          if ksmSource then 'kube_pod_container_resource_limits{%s}' % ksm('resource="memory"')
          else 'container_spec_memory_limit_bytes{%s}' % sel.cadvisor,
      },
      summary: 'The memory limit source of the pack exports nothing.',
      description: {
        text: (
          if ksmSource then
            'kube-state-metrics exports no memory limit of any container%(inCluster)s, though cAdvisor sees containers: either no container has one, or the series are not kept. The ratio alerts cannot fire there.'
          else
            'cAdvisor exports no container_spec_memory_limit_bytes%(inCluster)s, though it exports working sets: the series are dropped at the scrape (kube-prometheus-stack drops container_spec_* by default). The ratio alerts cannot fire there: keep the series, or set memoryLimitSource to kube-state-metrics.'
        ),
        value: 'none',
      },
    },
    ContainerCPUSplitMissing: {
      expr: |||
        group by (%(clusterBy)s) (container_cpu_usage_seconds_total{%(cadvisor)s})
        unless on (%(clusterBy)s)
        (
          group by (%(clusterBy)s) (container_cpu_user_seconds_total{%(cadvisor)s})
          and on (%(clusterBy)s)
          group by (%(clusterBy)s) (container_cpu_system_seconds_total{%(cadvisor)s})
        )
      ||| % { clusterBy: clusterBy, cadvisor: sel.cadvisor },
      summary: "The pack cannot split containers' CPU time into user and system.",
      description: {
        text: 'cAdvisor exports container CPU usage%(inCluster)s but not its user and system split (container_cpu_user_seconds_total, container_cpu_system_seconds_total; kube-prometheus-stack drops both by default): ContainerCPUSystemShareHigh cannot fire there.',
        value: 'none',
      },
    },
  },
}
