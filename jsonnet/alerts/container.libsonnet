// Alerts. Each has for, a severity label, summary, description and
// runbook_url. Descriptions are written once, as functions of how a label
// and the value are shown, so the same text serves the rules (as Go
// templates) and the pack's tests (rendered).
local u = import '../lib/utils.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local a = c.alerts,
    local n = $._names,
    local by = u.list(u.containerLabels(c)),
    local ksm(extra) = u.selector([c.kubeStateMetricsSelector, c.namespaceSelector, extra]),

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
    cluster::
      if $._config.showMultiCluster
      then '{{ with index $labels "%s" }} on cluster {{ . }}{{ end }}' % $._config.clusterLabel
      else '',
  },

  // _describe fills a description's placeholders: %(container)s and the
  // like for labels, %(value)s for the value as the definition shows it.
  _describe(desc, show):: desc.text % {
    container: show.label('container'),
    pod: show.label('pod'),
    namespace: show.label('namespace'),
    source: show.label('source'),
    cluster: show.cluster,
    value: show[desc.value],
  },

  _alertDefs:: {
    local c = $._config,
    local a = c.alerts,
    local n = $._names,
    local by = u.list(u.containerLabels(c)),
    local ksm(extra) = u.selector([c.kubeStateMetricsSelector, c.namespaceSelector, extra]),
    local memoryWord = if c.memoryMetric == 'rss' then 'RSS' else 'working set',

    ContainerMemoryNearLimit: {
      expr: '%s > %s' % [n.memoryRatio, u.num(a.ContainerMemoryNearLimit.threshold)],
      summary: 'A container uses most of its memory limit.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s uses %(value)s of its memory limit (' + memoryWord + ').',
        value: 'percent',
      },
    },
    ContainerMemoryAtLimit: {
      expr: '%s > %s' % [n.memoryRatio, u.num(a.ContainerMemoryAtLimit.threshold)],
      summary: 'A container is at its memory limit and may be OOM-killed.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s uses %(value)s of its memory limit (' + memoryWord + '); the kernel kills it when it cannot reclaim memory.',
        value: 'percent',
      },
    },
    ContainerMemoryLimitPredicted: {
      local cfg = a.ContainerMemoryLimitPredicted,
      expr: |||
        (
          predict_linear(%(memory)s[%(window)s], %(horizon)s)
          >= on (%(by)s)
          %(limit)s
        )
        and on (%(by)s)
        (%(ratio)s <= %(near)s)
      ||| % {
        memory: n.memory,
        window: cfg.window,
        horizon: u.num(u.seconds(cfg.horizon)),
        by: by,
        limit: n.memoryLimit,
        ratio: n.memoryRatio,
        near: u.num(a.ContainerMemoryNearLimit.threshold),
      },
      summary: 'A container will reach its memory limit soon at its current growth.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s grows towards its memory limit: at the rate of the last ' + cfg.window + ' it reaches it within ' + cfg.horizon + '.',
        value: 'count',
      },
    },
    ContainerMemoryLimitHits: {
      expr: '%s > %s' % [n.limitHits, u.num(a.ContainerMemoryLimitHits.threshold)],
      summary: 'A container keeps hitting its memory limit.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s hits its memory limit %(value)s times a second (counted by %(source)s); the kernel reclaims memory under pressure and may OOM-kill it.',
        value: 'number',
      },
    },
    ContainerOOMKilled: {
      local cfg = a.ContainerOOMKilled,
      expr: |||
        (max by (%(by)s) (kube_pod_container_status_last_terminated_reason{%(reason)s}) == 1)
        and on (%(by)s)
        (max by (%(by)s) (increase(kube_pod_container_status_restarts_total{%(restarts)s}[%(window)s])) > 0)
      ||| % { by: by, reason: ksm('reason="OOMKilled"'), restarts: ksm(''), window: cfg.window },
      summary: 'A container was OOM-killed.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s was restarted in the last ' + cfg.window + ' after being killed for running out of memory.',
        value: 'count',
      },
    },
    ContainerOOMKilledRepeatedly: {
      local cfg = a.ContainerOOMKilledRepeatedly,
      expr: |||
        (max by (%(by)s) (increase(kube_pod_container_status_restarts_total{%(restarts)s}[%(window)s])) >= %(threshold)s)
        and on (%(by)s)
        (max by (%(by)s) (kube_pod_container_status_last_terminated_reason{%(reason)s}) == 1)
      ||| % { by: by, reason: ksm('reason="OOMKilled"'), restarts: ksm(''), window: cfg.window, threshold: u.num(cfg.threshold) },
      summary: 'A container is OOM-killed again and again.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s restarted at least ' + u.num(cfg.threshold) + ' times in the last ' + cfg.window + ', the last time for running out of memory.',
        value: 'count',
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
      expr: '%s > %s' % [n.cpuLimitRatio, u.num(a.ContainerCPUNearLimit.threshold)],
      summary: 'A container uses most of its CPU limit.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s uses %(value)s of its CPU limit.',
        value: 'percent',
      },
    },
    ContainerWithoutMemoryLimit: {
      expr: |||
        max by (%(by)s) (kube_pod_container_status_running{%(running)s} == 1)
        unless on (%(by)s)
        %(limit)s
      ||| % { by: by, running: ksm('container!=""'), limit: n.memoryLimit },
      summary: 'A container runs without a memory limit.',
      description: {
        text: 'Container %(container)s of pod %(namespace)s/%(pod)s%(cluster)s has no memory limit: nothing bounds its memory but the node, and the kernel may kill other containers for it.',
        value: 'count',
      },
    },
  },
}
