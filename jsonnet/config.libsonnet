// The knobs of the container-resources pack. Override any of them with
//   (import 'mixin.libsonnet') + { _config+:: { ... } }
{
  _config+:: {
    // Selectors of the scrape jobs, as kube-prometheus names them.
    cadvisorSelector: 'job="kubelet", metrics_path="/metrics/cadvisor"',
    kubeStateMetricsSelector: 'job="kube-state-metrics"',
    // Extra matchers for every series, e.g. 'namespace=~"prod-.*"'.
    namespaceSelector: '',

    // The label that names the cluster, and whether rules keep it (for
    // global evaluation on Thanos or Mimir rulers).
    clusterLabel: 'cluster',
    showMultiCluster: false,

    // The window of rates; recording rule names carry it (rate5m).
    rateWindow: '5m',
    // Which memory drives the ratio alerts: 'working_set' or 'rss'.
    memoryMetric: 'working_set',
    // Where the memory limit comes from: 'kube-state-metrics' or 'cadvisor'.
    memoryLimitSource: 'kube-state-metrics',

    runbookURLPattern: 'https://github.com/oomguard/oomguard/blob/main/docs/runbooks/%s.md',
    // Labels added to every rule.
    extraLabels: {},

    // Per alert: enabled, threshold, for, severity, and alert-specific knobs.
    alerts: {
      ContainerMemoryNearLimit: { enabled: true, threshold: 0.9, 'for': '15m', severity: 'warning' },
      ContainerMemoryAtLimit: { enabled: true, threshold: 0.97, 'for': '5m', severity: 'critical' },
      ContainerMemoryLimitPredicted: { enabled: true, window: '1h', horizon: '4h', 'for': '15m', severity: 'warning' },
      ContainerMemoryLimitHits: { enabled: true, threshold: 0, 'for': '15m', severity: 'warning' },
      ContainerOOMKilled: { enabled: true, window: '10m', 'for': '0m', severity: 'warning' },
      ContainerOOMKilledRepeatedly: { enabled: true, threshold: 3, window: '1h', 'for': '0m', severity: 'critical' },
      ContainerCPUSystemShareHigh: { enabled: true, threshold: 0.5, minUsageCores: 0.1, 'for': '15m', severity: 'warning' },
      ContainerCPUThrottlingHigh: { enabled: true, threshold: 0.25, 'for': '15m', severity: 'info' },
      ContainerCPUNearLimit: { enabled: true, threshold: 0.9, 'for': '15m', severity: 'warning' },
      ContainerWithoutMemoryLimit: { enabled: true, 'for': '1h', severity: 'info' },
    },

    // Labels of the pack's own unit tests' input series. They must satisfy
    // the selectors above; derived from them when they use only '='.
    testLabels: {
      cadvisor: null,
      kubeStateMetrics: null,
      namespace: 'ns',
      cluster: 'test-cluster',
    },
  },
}
