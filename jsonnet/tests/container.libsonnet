// The pack's unit tests, in promtool's test-file format, made from
// _config: for every alert, a test group where it fires just past its
// threshold after its for, and one where it stays silent just below; and
// checks of recording rules on known input. They hold for any
// configuration the tests can express.
local u = import '../lib/utils.libsonnet';

{
  prometheusTests:: {
    local c = $._config,
    local a = c.alerts,
    local n = $._names,
    local tl = c.testLabels,

    // The labels of the test container, and of its input series.
    local containerLabels = { namespace: tl.namespace, pod: 'p', container: 'c' }
                            + (if c.showMultiCluster then { [c.clusterLabel]: tl.cluster } else {}),
    local cadvisorLabels = (if tl.cadvisor != null then tl.cadvisor else u.equalityLabels(c.cadvisorSelector))
                           + containerLabels + { image: 'img' },
    local ksmLabels = (if tl.kubeStateMetrics != null then tl.kubeStateMetrics else u.equalityLabels(c.kubeStateMetricsSelector))
                      + containerLabels,
    local series(name, labels) = '%s{%s}' % [name, std.join(', ', ['%s="%s"' % [k, labels[k]] for k in std.objectFields(labels)])],
    local cadvisor(name) = series(name, cadvisorLabels),
    local ksm(name, extra={}) = series(name, ksmLabels + extra),
    local podKSM(name, extra={}) = series(name, ksmLabels { container:: null } + extra),

    local minutes(d) = std.floor(u.seconds(d) / 60),
    local rateMinutes = minutes(c.rateWindow),
    // An evaluation time past the rate window and the alert's for.
    local evalMinutes(name) = minutes(a[name]['for']) + rateMinutes + 5,
    local points(m) = m + 10,
    // constant value v, and a counter growing by step a minute.
    local const(v, m) = '%sx%d' % [v, points(m)],
    local counter(step, m) = '0+%sx%d' % [step, points(m)],

    // Rendered annotations, as the rule's templates render them.
    local show = {
      label(name):: containerLabels[name],
      cluster:: if c.showMultiCluster then ' on cluster %s' % tl.cluster else '',
    },
    local percent(v) = '%s%%' % std.strReplace(std.format('%.4g', v * 100), 'e+', 'e+'),
    local render(name, value, extraLabels={}) =
      local def = $._alertDefs[name];
      local s = show + extraLabels + {
        percent:: if value == null then '' else percent(value),
        number:: if value == null then '' else std.format('%.2f', value),
        count:: if value == null then '' else std.toString(value),
      };
      {
        summary: def.summary,
        description: $._describe(def.description, s { label(l):: if std.objectHas(extraLabels, l) then extraLabels[l] else containerLabels[l] }),
        runbook_url: c.runbookURLPattern % name,
      },
    local expLabels(name, extra={}) = containerLabels + { severity: a[name].severity } + c.extraLabels + extra,

    // fires and silent make the two test groups of an alert.
    local fires(name, input, value, extra={}, m=evalMinutes(name)) = {
      name: '%s fires just past its threshold' % name,
      interval: '1m',
      input_series: input(m),
      alert_rule_test: [{
        eval_time: '%dm' % m,
        alertname: name,
        exp_alerts: [{ exp_labels: expLabels(name, extra), exp_annotations: render(name, value, extra) }],
      }],
    },
    local silent(name, input, m=evalMinutes(name)) = {
      name: '%s stays silent just below its threshold' % name,
      interval: '1m',
      input_series: input(m),
      alert_rule_test: [{ eval_time: '%dm' % m, alertname: name }],
    },
    local thousandths(t) = std.floor(1000 * t + 0.5),

    // Memory: a limit of 1000 bytes and a usage around the threshold.
    local memoryInput(usage) = function(m) [
      { series: cadvisor('container_memory_working_set_bytes'), values: const(usage, m) },
      { series: cadvisor('container_memory_rss'), values: const(usage, m) },
      { series: cadvisor('container_spec_memory_limit_bytes'), values: const(1000, m) },
      { series: ksm('kube_pod_container_resource_limits', { resource: 'memory', unit: 'byte' }), values: const(1000, m) },
    ],
    local memoryAlert(name) =
      local t = thousandths(a[name].threshold);
      [
        fires(name, memoryInput(t + 1), (t + 1) / 1000),
        silent(name, memoryInput(t - 1)),
      ],

    local predicted = a.ContainerMemoryLimitPredicted,
    local predictedMinutes = minutes(predicted.window) + minutes(predicted['for']) + 15,
    local slope = std.ceil(600 / (predictedMinutes + minutes(predicted.horizon))),
    local predictedInput(step) = function(m) [
      { series: cadvisor('container_memory_working_set_bytes'), values: '500+%dx%d' % [step, points(m)] },
      { series: cadvisor('container_memory_rss'), values: '500+%dx%d' % [step, points(m)] },
      { series: cadvisor('container_spec_memory_limit_bytes'), values: const(1000, m) },
      { series: ksm('kube_pod_container_resource_limits', { resource: 'memory', unit: 'byte' }), values: const(1000, m) },
    ],

    local hits = a.ContainerMemoryLimitHits,
    local hitsInput(step) = function(m) [
      { series: cadvisor('container_memory_events_max_total'), values: counter(step, m) },
      { series: cadvisor('container_memory_failcnt'), values: const(0, m) },
    ],
    local hitsAbove = std.floor(hits.threshold * 60) + 1,
    local hitsBelow = std.max(0, std.ceil(hits.threshold * 60) - 1),

    local oom = a.ContainerOOMKilled,
    local oomInput(restartAt) = function(m) [
      { series: ksm('kube_pod_container_status_last_terminated_reason', { reason: 'OOMKilled' }), values: const(1, m) },
      { series: ksm('kube_pod_container_status_restarts_total'), values: '0x%d 1x%d' % [restartAt, points(m)] },
    ],
    local oomMinutes = minutes(oom.window) + 5,

    local again = a.ContainerOOMKilledRepeatedly,
    local againMinutes = minutes(again.window),
    // restarts times, spread over the window's last minutes.
    local againInput(restarts) = function(m) [
      { series: ksm('kube_pod_container_status_last_terminated_reason', { reason: 'OOMKilled' }), values: const(1, m) },
      { series: ksm('kube_pod_container_status_restarts_total'), values: '0x%d 0+1x%d %dx10' % [m - restarts - 1, restarts, restarts] },
    ],

    local share = a.ContainerCPUSystemShareHigh,
    local shareInput(system) = function(m) [
      { series: cadvisor('container_cpu_system_seconds_total'), values: counter(system, m) },
      { series: cadvisor('container_cpu_user_seconds_total'), values: counter(60 - system, m) },
      { series: cadvisor('container_cpu_usage_seconds_total'), values: counter(60, m) },
    ],
    local shareAbove = std.floor(share.threshold * 60) + 1,

    local throttle = a.ContainerCPUThrottlingHigh,
    local throttleInput(throttled) = function(m) [
      { series: cadvisor('container_cpu_cfs_throttled_periods_total'), values: counter(throttled, m) },
      { series: cadvisor('container_cpu_cfs_periods_total'), values: counter(100, m) },
    ],
    local throttleAbove = std.floor(throttle.threshold * 100) + 1,

    local cpuLimit = a.ContainerCPUNearLimit,
    local cpuInput(perMinute) = function(m) [
      { series: cadvisor('container_cpu_usage_seconds_total'), values: counter(perMinute, m) },
      { series: ksm('kube_pod_container_resource_limits', { resource: 'cpu', unit: 'core' }), values: const(1, m) },
    ],
    local cpuAbove = std.floor(cpuLimit.threshold * 60) + 1,

    // cAdvisor reports 0 for a container without a memory limit, and
    // kube-state-metrics no series.
    local noLimitInput(withLimit) = function(m) [
      { series: ksm('kube_pod_container_status_running'), values: const(1, m) },
      { series: cadvisor('container_spec_memory_limit_bytes'), values: const(if withLimit then 1000 else 0, m) },
    ] + (if withLimit then [{ series: ksm('kube_pod_container_resource_limits', { resource: 'memory', unit: 'byte' }), values: const(1000, m) }] else []),

    local alertTests = {
      ContainerMemoryNearLimit: memoryAlert('ContainerMemoryNearLimit'),
      ContainerMemoryAtLimit: memoryAlert('ContainerMemoryAtLimit'),
      ContainerMemoryLimitPredicted: [
        fires('ContainerMemoryLimitPredicted', predictedInput(slope), null, m=predictedMinutes),
        silent('ContainerMemoryLimitPredicted', predictedInput(0), m=predictedMinutes),
      ],
      ContainerMemoryLimitHits: [
        fires('ContainerMemoryLimitHits', hitsInput(hitsAbove), hitsAbove / 60, { source: 'memory.events max' }),
        silent('ContainerMemoryLimitHits', hitsInput(hitsBelow)),
      ],
      ContainerOOMKilled: [
        fires('ContainerOOMKilled', oomInput(oomMinutes - 3), null, m=oomMinutes),
        silent('ContainerOOMKilled', oomInput(0), m=oomMinutes) { name: 'ContainerOOMKilled stays silent without a restart in its window' },
      ],
      ContainerOOMKilledRepeatedly: [
        fires('ContainerOOMKilledRepeatedly', againInput(again.threshold), null, m=againMinutes + 5),
        silent('ContainerOOMKilledRepeatedly', againInput(again.threshold - 1), m=againMinutes + 5),
      ],
      ContainerCPUSystemShareHigh: [
        fires('ContainerCPUSystemShareHigh', shareInput(shareAbove), shareAbove / 60),
        silent('ContainerCPUSystemShareHigh', shareInput(std.ceil(share.threshold * 60) - 1)),
      ],
      ContainerCPUThrottlingHigh: [
        fires('ContainerCPUThrottlingHigh', throttleInput(throttleAbove), throttleAbove / 100),
        silent('ContainerCPUThrottlingHigh', throttleInput(std.ceil(throttle.threshold * 100) - 1)),
      ],
      ContainerCPUNearLimit: [
        fires('ContainerCPUNearLimit', cpuInput(cpuAbove), cpuAbove / 60),
        silent('ContainerCPUNearLimit', cpuInput(std.ceil(cpuLimit.threshold * 60) - 1)),
      ],
      ContainerWithoutMemoryLimit: [
        fires('ContainerWithoutMemoryLimit', noLimitInput(false), null),
        silent('ContainerWithoutMemoryLimit', noLimitInput(true)) { name: 'ContainerWithoutMemoryLimit stays silent with a limit' },
      ],
    },

    // Recording rules on known input.
    // Recorded series carry the extra labels every rule adds.
    local sample(name, value, extra={}) = { labels: series(name, containerLabels + c.extraLabels + extra), value: value },
    local capacity = 1073741824,  // 1 GiB
    local node = { node: 'n1' },
    local scoreInput = [
      { series: podKSM('kube_pod_info', node + { pod: pod }), values: '1x5' }
      for pod in ['guaranteed', 'besteffort', 'burstable', 'norequest', 'fullrequest']
    ] + [
      { series: series('kube_node_status_capacity', (if tl.kubeStateMetrics != null then tl.kubeStateMetrics else u.equalityLabels(c.kubeStateMetricsSelector)) + (if c.showMultiCluster then { [c.clusterLabel]: tl.cluster } else {}) + node + { resource: 'memory', unit: 'byte' }), values: '%dx5' % capacity },
    ] + [
      { series: ksm('kube_pod_container_info', { pod: pod }), values: '1x5' }
      for pod in ['guaranteed', 'besteffort', 'burstable', 'norequest', 'fullrequest']
    ] + [
      { series: podKSM('kube_pod_status_qos_class', { pod: p[0], qos_class: p[1] }), values: '1x5' }
      for p in [['guaranteed', 'Guaranteed'], ['besteffort', 'BestEffort'], ['burstable', 'Burstable'], ['norequest', 'Burstable'], ['fullrequest', 'Burstable']]
    ] + [
      { series: ksm('kube_pod_container_resource_requests', { pod: 'burstable', resource: 'memory', unit: 'byte' }), values: '%dx5' % (capacity / 4) },
      { series: ksm('kube_pod_container_resource_requests', { pod: 'fullrequest', resource: 'memory', unit: 'byte' }), values: '%dx5' % capacity },
      { series: series('container_memory_rss', cadvisorLabels + { pod: 'burstable' }), values: '%dx5' % (capacity / 2) },
    ],
    local recordingTests = [
      {
        name: 'memory ratios and limit',
        interval: '1m',
        input_series: memoryInput(500)(10),
        promql_expr_test: [
          { expr: n.workingSetRatio, eval_time: '5m', exp_samples: [sample(n.workingSetRatio, 0.5)] },
          { expr: n.rssRatio, eval_time: '5m', exp_samples: [sample(n.rssRatio, 0.5)] },
          { expr: n.memoryLimit, eval_time: '5m', exp_samples: [sample(n.memoryLimit, 1000)] },
        ],
      },
      {
        name: 'limit hits on cgroup v1 come from failcnt',
        interval: '1m',
        input_series: [{ series: cadvisor('container_memory_failcnt'), values: counter(6, 20) }],
        promql_expr_test: [{ expr: n.limitHits, eval_time: '15m', exp_samples: [sample(n.limitHits, 0.1, { source: 'failcnt' })] }],
      },
      {
        name: 'CPU rates, system share, limit ratio and throttling',
        interval: '1m',
        input_series: shareInput(15)(20) + [
          { series: ksm('kube_pod_container_resource_limits', { resource: 'cpu', unit: 'core' }), values: const(2, 20) },
        ] + throttleInput(10)(20),
        promql_expr_test: [
          { expr: n.cpuUser, eval_time: '15m', exp_samples: [sample(n.cpuUser, 0.75)] },
          { expr: n.cpuSystem, eval_time: '15m', exp_samples: [sample(n.cpuSystem, 0.25)] },
          { expr: n.cpuUsage, eval_time: '15m', exp_samples: [sample(n.cpuUsage, 1)] },
          { expr: n.cpuSystemShare, eval_time: '15m', exp_samples: [sample(n.cpuSystemShare, 0.25)] },
          { expr: n.cpuLimitRatio, eval_time: '15m', exp_samples: [sample(n.cpuLimitRatio, 0.5)] },
          { expr: n.throttled, eval_time: '15m', exp_samples: [sample(n.throttled, 0.1)] },
        ],
      },
      {
        // Evaluated after the first step: the estimate reads the RSS that
        // another group records, and groups are evaluated independently.
        name: 'oom_score_adj by QoS class, and the OOM score estimate',
        interval: '1m',
        input_series: scoreInput,
        promql_expr_test: [
          {
            expr: n.oomScoreAdj,
            eval_time: '2m',
            exp_samples: [
              sample(n.oomScoreAdj, -997, { pod: 'guaranteed' }),
              sample(n.oomScoreAdj, 1000, { pod: 'besteffort' }),
              sample(n.oomScoreAdj, 750, { pod: 'burstable' }),
              sample(n.oomScoreAdj, 999, { pod: 'norequest' }),
              sample(n.oomScoreAdj, 3, { pod: 'fullrequest' }),
            ],
          },
          {
            expr: n.oomScore,
            eval_time: '2m',
            exp_samples: [sample(n.oomScore, 1250, { pod: 'burstable' } + node)],
          },
        ],
      },
    ],

    rule_files: ['rules.yaml'],
    evaluation_interval: '1m',
    tests: std.flattenArrays([alertTests[name] for name in std.objectFields(alertTests) if a[name].enabled]) + recordingTests,
  },
}
