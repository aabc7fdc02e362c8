// What each knob of _config (config.libsonnet) may hold. oomguard generate
// checks a configuration against this before it evaluates the pack, and
// reports a bad value where it was written: its --set argument, or its line
// and column in .oomguard.yaml. Every string and number knob has an entry
// here, and every entry a knob (generate's tests see to both); booleans need
// none. Kinds:
//   selector    label matchers as written inside {...}, comma-separated
//   duration    a Prometheus duration (5m, 1h30m); nonZero: 0 is refused
//   oneOf       one of values
//   number      finite; min and max bound it, minOpen and maxOpen make
//               the bound exclusive, integer asks for a whole number; what
//               says what the number is
//   labelName   a label name, not one of notIn
//   labelValue  a label value the pack's test series can hold; nonEmpty
//   labels      a mapping of label names (not one of notIn) to values
//   urlPattern  a URL with one %s, for the alert's name
{
  _configSchema:: {
    local selector = { kind: 'selector' },
    local duration = { kind: 'duration' },
    local window = { kind: 'duration', nonZero: true },
    local severity = { kind: 'oneOf', values: ['info', 'warning', 'critical'] },
    // A share (of a limit, of CPU time, of periods) compared with '>':
    // the alert fires above the threshold, so 0 fires on everything and a
    // share never exceeds 1.
    local share(what) = { kind: 'number', min: 0, minOpen: true, max: 1, maxOpen: true, what: what },
    local alert(extra) = { 'for': duration, severity: severity } + extra,
    // Labels the recording rules set or aggregate by, which a constant
    // label would overwrite.
    local identity = ['namespace', 'pod', 'uid', 'container', 'node', 'source'],

    cadvisorSelector: selector,
    kubeStateMetricsSelector: selector,
    namespaceSelector: selector,
    kubeletSelector: selector,
    clusterLabel: { kind: 'labelName', notIn: identity },
    rateWindow: window,
    cadvisorSampleMaxAge: window,
    memoryMetric: { kind: 'oneOf', values: ['working_set', 'rss'] },
    memoryLimitSource: { kind: 'oneOf', values: ['kube-state-metrics', 'cadvisor'] },
    runbookURLPattern: { kind: 'urlPattern' },
    extraLabels: { kind: 'labels', notIn: identity + ['severity', 'alertname'] },

    alerts: {
      ContainerMemoryNearLimit: alert({ threshold: share('a share of the memory limit') }),
      ContainerMemoryAtLimit: alert({ threshold: share('a share of the memory limit') }),
      ContainerMemoryLimitPredicted: alert({ window: window, horizon: window }),
      ContainerMemoryLimitHits: alert({
        threshold: { kind: 'number', min: 0, what: 'limit hits a second' },
        // RSS and shared memory compared with '>=': 0 asks nothing of
        // them, 1 a limit full of them.
        minRSSRatio: { kind: 'number', min: 0, max: 1, what: 'a share of the memory limit' },
      }),
      ContainerMemoryPressure: alert({ threshold: share('a share of time') }),
      ContainerMemoryLimitHitsUncounted: alert({}),
      ContainerMemoryLimitHitsUnknown: alert({}),
      ContainerOOMKilled: alert({ window: window }),
      ContainerProbablyOOMKilled: alert({ window: window }),
      ContainerProcessOOMKilled: alert({ window: window }),
      ContainerOOMKilledRepeatedly: alert({
        threshold: { kind: 'number', min: 1, integer: true, what: 'restarts in the window' },
        window: window,
      }),
      ContainerCPUSystemShareHigh: alert({
        threshold: share('a share of CPU time'),
        minUsageCores: { kind: 'number', min: 0, what: 'CPU cores' },
      }),
      ContainerCPUThrottlingHigh: alert({ threshold: share('a share of CFS periods') }),
      // CPU usage over a rate window can exceed the limit a little (CFS
      // burst, accounting), so 1 (at or over the limit) is meaningful.
      ContainerCPUNearLimit: alert({ threshold: { kind: 'number', min: 0, minOpen: true, max: 1, what: 'a share of the CPU limit' } }),
      ContainerWithoutMemoryLimit: alert({}),
      ContainerCadvisorMetricsMissing: alert({}),
      ContainerStateMetricsMissing: alert({}),
      ContainerMemoryLimitsMissing: alert({}),
      ContainerCPUSplitMissing: alert({}),
    },

    testLabels: {
      cadvisor: { kind: 'labels' },
      kubeStateMetrics: { kind: 'labels' },
      kubelet: { kind: 'labels' },
      namespace: { kind: 'labelValue', nonEmpty: true },
      cluster: { kind: 'labelValue', nonEmpty: true },
    },
  },
}
