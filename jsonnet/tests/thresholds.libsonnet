// Threshold tests: for every alert with a threshold, a test group where
// it fires just past the threshold once its for has elapsed (with the
// exact labels and rendered annotations), and one where it stays silent
// just below; and checks of recording rules on known input.
local u = import '../lib/utils.libsonnet';
local l = import 'lib.libsonnet';

{
  _thresholdTests:: {
    local c = $._config,
    local a = c.alerts,
    local T = $._test,
    local n = T.names,
    local W = T.rateMinutes,
    local forOf(name) = T.minutes(a[name]['for']),
    local thousandths(t) = std.floor(1000 * t + 0.5),
    local p = T.ctr('p', 'c'),

    // Memory of the test container: a limit of 1000 bytes, from both
    // sources, and a working set and RSS of `usage` bytes.
    local memory(t, usage) = [
      t.series('container_memory_working_set_bytes', T.cad(p), [l.seg(0, null, usage)]),
      t.series('container_memory_rss', T.cad(p), [l.seg(0, null, usage)]),
      t.series('container_spec_memory_limit_bytes', T.cad(p), [l.seg(0, null, 1000)]),
      t.series('kube_pod_container_resource_limits', T.ksm(p, { node: 'n1', resource: 'memory', unit: 'byte' }), [l.seg(0, null, 1000)]),
    ],

    // fires and silent make the two groups of an alert whose condition
    // holds from the start: it fires once for has elapsed after the first
    // evaluation that sees the condition (the first with a rate).
    local checkTime(t, name, window) = t.at(window + forOf(name)) + t.E,
    local pair(name, window, input, above, below, value, extra={}, maxStep=null) = [
      {
        name: '%s fires just past its threshold' % name,
        span: window + forOf(name) + 5,
        maxStep: maxStep,
        build(t):: {
          input: input(t, above),
          alerts: [{ alert: name, at: checkTime(t, name, window), exp: [T.expect(name, p + extra, value)] }],
        },
      },
      {
        name: '%s stays silent just below its threshold' % name,
        span: window + forOf(name) + 5,
        maxStep: maxStep,
        build(t):: {
          input: input(t, below),
          alerts: [{ alert: name, at: checkTime(t, name, window) }],
        },
      },
    ],
    local memoryAlert(name) =
      local th = thousandths(a[name].threshold);
      pair(name, 0, memory, th + 1, th - 1, (th + 1) / 1000),

    local predicted = a.ContainerMemoryLimitPredicted,
    local predictedWindow = T.minutes(predicted.window),
    local horizon = T.minutes(predicted.horizon),
    // A container growing steadily by `slope` bytes a minute against a
    // limit of 1000 MiB. It must be predicted past the limit (by 1%) all
    // along the alert's for while it stays below the near-limit threshold:
    // at `at` it is 1 MiB under it, and a for earlier it was predicted to
    // reach 1010 MiB within the horizon. Whole bytes a minute, from a start
    // that is not below 0 (the series is there a window before the for).
    local predictedGroup(fire) =
      local name = 'ContainerMemoryLimitPredicted';
      local nearTh = thousandths(a.ContainerMemoryNearLimit.threshold);
      {
        name: if fire then '%s fires for a steady growth' % name else '%s stays silent without growth' % name,
        span: predictedWindow + forOf(name) + 15,
        // deriv over a quarter of the window needs two evaluations in it;
        // the step also costs the growth's lead on the limit (see below).
        maxStep: std.min(predictedWindow / 8, std.max(1, (horizon - forOf(name)) / 4)),
        build(t)::
          assert predictedWindow >= 8 : 'config: alerts.%s.window (%s): the growth over its last quarter is measured on a recorded series, which needs two rule evaluations in it; at the usual evaluation interval of 1m a window under 8m never fires' % [name, predicted.window];
          local at = checkTime(t, name, predictedWindow);
          local M = 1048576;
          local top = (nearTh - 1) * M;
          // The alert goes pending at the last evaluation a for before
          // `at` at the latest.
          local pending = std.floor((at - forOf(name)) / t.E) * t.E;
          local lead = horizon - (at - pending);
          local slope =
            if !fire then 0
            else if lead <= 0 then
              error 'config: alerts.%s.horizon (%s) is not longer than its for (%s): no steady growth can be predicted to reach the limit while it stays below the near-limit threshold for that long, so the alert could never fire; make the horizon longer than the for' % [name, predicted.horizon, a[name]['for']]
            else std.ceil((1010 * M - top) / lead);
          local start = top - slope * at;
          local checked =
            if start < 0 || pending < predictedWindow then
              error 'config: alerts.%s: a growth fast enough to reach the limit within the horizon (%s) crosses the near-limit threshold (%s) before the window (%s) and the for (%s) have passed, so the alert could never fire for a steady growth; make the horizon longer or the window shorter' % [name, predicted.horizon, u.num(a.ContainerMemoryNearLimit.threshold), predicted.window, a[name]['for']]
            else start;
          local v0 = if fire then checked else 500 * M;
          {
            input: [
              t.series('container_memory_working_set_bytes', T.cad(p), [l.seg(0, null, v0, slope)]),
              t.series('container_memory_rss', T.cad(p), [l.seg(0, null, v0, slope)]),
              t.series('container_spec_memory_limit_bytes', T.cad(p), [l.seg(0, null, 1000 * M)]),
              t.series('kube_pod_container_resource_limits', T.ksm(p, { node: 'n1', resource: 'memory', unit: 'byte' }), [l.seg(0, null, 1000 * M)]),
            ],
            alerts: [{ alert: name, at: at, exp: if fire then [T.expect(name, p)] else [] }],
          },
      },

    local hits = a.ContainerMemoryLimitHits,
    local hitsInput(t, perMinute) = [
      t.series('container_memory_events_max_total', T.cad(p), [l.seg(0, null, 0, perMinute)], W),
      t.series('container_memory_failcnt', T.cad(p), [l.seg(0, null, 0)], W),
      t.series('container_memory_rss', T.cad(p), [l.seg(0, null, std.min(1000, std.ceil(1000 * hits.minRSSRatio)))]),
      t.series('kube_pod_container_resource_limits', T.ksm(p, { node: 'n1', resource: 'memory', unit: 'byte' }), [l.seg(0, null, 1000)]),
      t.series('container_spec_memory_limit_bytes', T.cad(p), [l.seg(0, null, 1000)]),
    ],
    local hitsAbove = std.floor(hits.threshold * 60) + 1,

    local pressure = a.ContainerMemoryPressure,
    // Stalled seconds a minute: (thousandths + 1) / 1000 of the time.
    local pressureInput(t, th) = [
      t.series('container_pressure_memory_stalled_seconds_total', T.cad(p), [l.seg(0, null, 0, 60 * th / 1000)], W),
      t.series('container_pressure_memory_waiting_seconds_total', T.cad(p), [l.seg(0, null, 0, 60 * th / 1000)], W),
    ],
    local pressureTh = thousandths(pressure.threshold),

    // OOM kills: the kill at `kill` minutes, known by the reason, the time
    // of the last termination and a restart.
    local oom = a.ContainerOOMKilled,
    local oomWindow = T.minutes(oom.window),
    local killSeries(t, kill) = [
      t.series('kube_pod_container_status_last_terminated_reason', T.ksm(p, { reason: 'OOMKilled' }), [l.seg(kill, null, 1)]),
      t.series('kube_pod_container_status_last_terminated_timestamp', T.ksm(p), [l.seg(kill, null, 60 * kill)]),
      t.series('kube_pod_container_status_restarts_total', T.ksm(p), [l.seg(0, kill, 0), l.seg(kill, null, 1)]),
    ],
    local oomGroups = [
      {
        name: 'ContainerOOMKilled fires within its window after a kill',
        span: 5 + oomWindow,
        maxStep: oomWindow / 4,
        build(t):: {
          local kill = t.at(5),
          input: killSeries(t, kill),
          alerts: [T.event(t, 'ContainerOOMKilled', kill, kill + oomWindow, T.expect('ContainerOOMKilled', p { uid: T.uid(p) }))],
        },
      },
      {
        name: 'ContainerOOMKilled stays silent once its window has passed',
        span: 5 + 2 * oomWindow,
        maxStep: oomWindow / 4,
        build(t):: {
          local kill = t.at(5),
          input: killSeries(t, kill),
          alerts: [{ alert: 'ContainerOOMKilled', at: t.at(kill + oomWindow) + t.E }],
        },
      },
    ],

    // A child process OOM-killed: the kernel's OOM events rise, the
    // container does not terminate; when it does (its first process was
    // killed), ContainerOOMKilled reports it and this alert stays silent.
    local proc = a.ContainerProcessOOMKilled,
    local procWindow = T.minutes(proc.window),
    local procGroup(ended) = {
      name: if ended then 'ContainerProcessOOMKilled stays silent when the container terminated'
      else 'ContainerProcessOOMKilled fires within its window after a kill',
      span: 5 + procWindow + forOf('ContainerProcessOOMKilled'),
      maxStep: procWindow / 4,
      build(t):: {
        local kill = t.at(5),
        input: [
          t.series('container_oom_events_total', T.cad(p), [l.seg(0, kill, 0), l.seg(kill, null, 1)], procWindow),
        ] + (if ended then killSeries(t, kill) else [t.series('kube_pod_container_status_restarts_total', T.ksm(p), [l.seg(0, null, 0)])]),
        alerts:
          if ended then [{ alert: 'ContainerProcessOOMKilled', at: t.at(kill + forOf('ContainerProcessOOMKilled')) + t.E }]
          else [T.event(t, 'ContainerProcessOOMKilled', kill, kill + procWindow, T.expect('ContainerProcessOOMKilled', p))],
      },
    },

    // Repeated kills: `kills` terminations spread over the window's last
    // evaluations, of a pod whose last termination before was long ago.
    local again = a.ContainerOOMKilledRepeatedly,
    local againWindow = T.minutes(again.window),
    local againGroup(kills) = {
      name: if kills >= again.threshold
      then 'ContainerOOMKilledRepeatedly fires at %s kills in its window' % u.num(kills)
      else 'ContainerOOMKilledRepeatedly stays silent at %s kills in its window' % u.num(kills),
      span: againWindow + 10,
      maxStep: std.floor(againWindow / (again.threshold + 2)),
      build(t)::
        local at = t.at(againWindow + 10);
        local times = [at - i * t.E for i in std.range(1, kills)];
        local first = if kills == 0 then at + 1 else times[kills - 1];
        {
          input: [
            t.series('kube_pod_container_status_last_terminated_reason', T.ksm(p, { reason: 'OOMKilled' }), [l.seg(0, null, 1)]),
            // Segments in time order: the earliest kill is the last time.
            t.series('kube_pod_container_status_last_terminated_timestamp', T.ksm(p), [l.seg(0, first, 0)] + [
              l.seg(times[i], if i == 0 then null else times[i - 1], 60 * times[i])
              for i in std.reverse(std.range(0, kills - 1))
            ]),
            t.series('kube_pod_container_status_restarts_total', T.ksm(p), [l.seg(0, first, 1)] + [
              l.seg(times[i], if i == 0 then null else times[i - 1], 1 + kills - i)
              for i in std.reverse(std.range(0, kills - 1))
            ]),
          ],
          alerts: [
            // From the last kill until the first leaves the window.
            if kills >= again.threshold
            then T.event(t, 'ContainerOOMKilledRepeatedly', at - t.E, first + againWindow, T.expect('ContainerOOMKilledRepeatedly', p { uid: T.uid(p) }))
            else { alert: 'ContainerOOMKilledRepeatedly', at: at },
          ],
        },
    },

    local share = a.ContainerCPUSystemShareHigh,
    // CPU seconds a minute: system of 60 (one core).
    local shareInput(t, system) = [
      t.series('container_cpu_system_seconds_total', T.cad(p), [l.seg(0, null, 0, system)], W),
      t.series('container_cpu_user_seconds_total', T.cad(p), [l.seg(0, null, 0, 60 - system)], W),
      t.series('container_cpu_usage_seconds_total', T.cad(p), [l.seg(0, null, 0, 60)], W),
    ],
    local shareAbove = std.floor(share.threshold * 60) + 1,

    local throttle = a.ContainerCPUThrottlingHigh,
    local throttleInput(t, throttled) = [
      t.series('container_cpu_cfs_throttled_periods_total', T.cad(p), [l.seg(0, null, 0, throttled)], W),
      t.series('container_cpu_cfs_periods_total', T.cad(p), [l.seg(0, null, 0, 100)], W),
    ],
    local throttleAbove = std.floor(throttle.threshold * 100) + 1,

    local cpuLimit = a.ContainerCPUNearLimit,
    local cpuInput(t, perMinute) = [
      t.series('container_cpu_usage_seconds_total', T.cad(p), [l.seg(0, null, 0, perMinute)], W),
      t.series('kube_pod_container_resource_limits', T.ksm(p, { node: 'n1', resource: 'cpu', unit: 'core' }), [l.seg(0, null, 1)]),
    ],
    local cpuAbove = std.floor(cpuLimit.threshold * 60) + 1,

    // cAdvisor reports 0 for a container without a memory limit, and
    // kube-state-metrics no series.
    local noLimitInput(t, withLimit) = [
      t.series('kube_pod_container_status_running', T.ksm(p), [l.seg(0, null, 1)]),
      t.series('container_spec_memory_limit_bytes', T.cad(p), [l.seg(0, null, if withLimit then 1000 else 0)]),
    ] + (if withLimit then [t.series('kube_pod_container_resource_limits', T.ksm(p, { node: 'n1', resource: 'memory', unit: 'byte' }), [l.seg(0, null, 1000)])] else []),

    alerts:: {
      ContainerMemoryNearLimit: memoryAlert('ContainerMemoryNearLimit'),
      ContainerMemoryAtLimit: memoryAlert('ContainerMemoryAtLimit'),
      ContainerMemoryLimitPredicted: [predictedGroup(true), predictedGroup(false)],
      ContainerMemoryLimitHits: pair('ContainerMemoryLimitHits', W, hitsInput, hitsAbove, std.max(0, std.ceil(hits.threshold * 60) - 1), hitsAbove / 60, { source: 'memory.events max' }),
      ContainerMemoryPressure: pair('ContainerMemoryPressure', W, pressureInput, pressureTh + 1, pressureTh - 1, (pressureTh + 1) / 1000),
      ContainerOOMKilled: oomGroups,
      ContainerOOMKilledRepeatedly: [againGroup(again.threshold), againGroup(again.threshold - 1)],
      ContainerProcessOOMKilled: [procGroup(false), procGroup(true)],
      ContainerCPUSystemShareHigh: pair('ContainerCPUSystemShareHigh', W, shareInput, shareAbove, std.ceil(share.threshold * 60) - 1, shareAbove / 60),
      ContainerCPUThrottlingHigh: pair('ContainerCPUThrottlingHigh', W, throttleInput, throttleAbove, std.ceil(throttle.threshold * 100) - 1, throttleAbove / 100),
      ContainerCPUNearLimit: pair('ContainerCPUNearLimit', W, cpuInput, cpuAbove, std.ceil(cpuLimit.threshold * 60) - 1, cpuAbove / 60),
      ContainerWithoutMemoryLimit: [
        {
          name: 'ContainerWithoutMemoryLimit fires without a limit',
          span: forOf('ContainerWithoutMemoryLimit') + 5,
          build(t):: {
            input: noLimitInput(t, false),
            alerts: [{ alert: 'ContainerWithoutMemoryLimit', at: checkTime(t, 'ContainerWithoutMemoryLimit', 0), exp: [T.expect('ContainerWithoutMemoryLimit', p)] }],
          },
        },
        {
          name: 'ContainerWithoutMemoryLimit stays silent with a limit',
          span: forOf('ContainerWithoutMemoryLimit') + 5,
          build(t):: {
            input: noLimitInput(t, true),
            alerts: [{ alert: 'ContainerWithoutMemoryLimit', at: checkTime(t, 'ContainerWithoutMemoryLimit', 0) }],
          },
        },
      ],
    },

    // Recording rules on known input.
    local capacity = 1073741824,  // 1 GiB
    local scorePods = [['guaranteed', 'Guaranteed'], ['besteffort', 'BestEffort'], ['burstable', 'Burstable'], ['norequest', 'Burstable'], ['fullrequest', 'Burstable']],
    local pod(name) = T.ctr(name, 'c'),

    recording:: [
      {
        name: 'memory ratios and limit',
        span: 5,
        build(t):: {
          input: memory(t, 500),
          exprs: [
            { expr: n.workingSetRatio, at: t.at(5), exp: [T.sample(n.workingSetRatio, p, 0.5)] },
            { expr: n.rssRatio, at: t.at(5), exp: [T.sample(n.rssRatio, p, 0.5)] },
            // No file lists exported: RSS alone.
            { expr: n.unreclaimableRatio, at: t.at(5), exp: [T.sample(n.unreclaimableRatio, p, 0.5)] },
            { expr: n.memoryLimit, at: t.at(5), exp: [T.sample(n.memoryLimit, p, 1000)] },
          ],
        },
      },
      {
        name: 'CPU rates, system share, limit ratio and throttling',
        span: W + 10,
        build(t):: {
          input: shareInput(t, 15) + [
            t.series('kube_pod_container_resource_limits', T.ksm(p, { node: 'n1', resource: 'cpu', unit: 'core' }), [l.seg(0, null, 2)]),
          ] + throttleInput(t, 10),
          local at = t.at(W + 10),
          exprs: [
            { expr: n.cpuUser, at: at, exp: [T.sample(n.cpuUser, p, 0.75)] },
            { expr: n.cpuSystem, at: at, exp: [T.sample(n.cpuSystem, p, 0.25)] },
            { expr: n.cpuUsage, at: at, exp: [T.sample(n.cpuUsage, p, 1)] },
            { expr: n.cpuSystemShare, at: at, exp: [T.sample(n.cpuSystemShare, p, 0.25)] },
            { expr: n.cpuLimitRatio, at: at, exp: [T.sample(n.cpuLimitRatio, p, 0.5)] },
            { expr: n.throttled, at: at, exp: [T.sample(n.throttled, p, 0.1)] },
          ],
        },
      },
      {
        name: 'oom_score_adj by QoS class, and the OOM score estimate',
        span: 2,
        build(t):: {
          input: [
            t.series('kube_pod_info', T.ksmPod(pod(q[0]), { node: 'n1', priority_class: '', created_by_kind: 'ReplicaSet' }), [l.seg(0, null, 1)])
            for q in scorePods
          ] + [
            t.series('kube_node_status_capacity', T.ksmNode('n1', extra={ resource: 'memory', unit: 'byte' }), [l.seg(0, null, capacity)]),
          ] + [
            t.series('kube_pod_container_info', T.ksm(pod(q[0]), { image: 'registry.example/c:1', container_id: 'containerd://%s' % q[0] }), [l.seg(0, null, 1)])
            for q in scorePods
          ] + std.flattenArrays([
            [
              t.series('kube_pod_status_qos_class', T.ksmPod(pod(q[0]), { qos_class: cls }), [l.seg(0, null, if cls == q[1] then 1 else 0)])
              for cls in ['BestEffort', 'Burstable', 'Guaranteed']
            ]
            for q in scorePods
          ]) + [
            t.series('kube_pod_container_resource_requests', T.ksm(pod('burstable'), { node: 'n1', resource: 'memory', unit: 'byte' }), [l.seg(0, null, capacity / 4)]),
            t.series('kube_pod_container_resource_requests', T.ksm(pod('fullrequest'), { node: 'n1', resource: 'memory', unit: 'byte' }), [l.seg(0, null, capacity)]),
            t.series('container_memory_rss', T.cad(pod('burstable')), [l.seg(0, null, capacity / 2)]),
          ],
          exprs: [
            {
              expr: n.oomScoreAdj,
              at: t.at(2),
              exp: [
                T.sample(n.oomScoreAdj, pod('guaranteed'), -997),
                T.sample(n.oomScoreAdj, pod('besteffort'), 1000),
                T.sample(n.oomScoreAdj, pod('burstable'), 750),
                T.sample(n.oomScoreAdj, pod('norequest'), 999),
                T.sample(n.oomScoreAdj, pod('fullrequest'), 3),
              ],
            },
            {
              expr: n.oomScore,
              at: t.at(2),
              exp: [T.sample(n.oomScore, pod('burstable') + { node: 'n1' }, 1250)],
            },
          ],
        },
      },
    ],
  },
}
