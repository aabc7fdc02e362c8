// The knobs of the container-resources pack. Override any of them with
//   (import 'mixin.libsonnet') + { _config+:: { ... } }
{
  _config+:: {
    // Selectors of the scrape jobs, as kube-prometheus names them. The
    // cAdvisor selector must tell the kubelet's /metrics/cadvisor from its
    // /metrics/resource (metrics_path), or working set and CPU count twice.
    cadvisorSelector: 'job="kubelet", metrics_path="/metrics/cadvisor"',
    kubeStateMetricsSelector: 'job="kube-state-metrics"',
    // The kubelet's own /metrics, for kubelet_cgroup_version (1.31 and
    // later): it tells a cgroup v2 node whose cAdvisor counts no limit hits.
    kubeletSelector: 'job="kubelet", metrics_path="/metrics"',
    // Extra matchers for every series, e.g. 'namespace=~"prod-.*"'.
    namespaceSelector: '',

    // The label that names the cluster. Every aggregation and join keeps
    // it whenever the series carry it, so two clusters are never merged;
    // showMultiCluster only adds "on cluster X" to the descriptions.
    clusterLabel: 'cluster',
    showMultiCluster: false,

    // The window of rates; recording rule names carry it (rate5m).
    rateWindow: '5m',
    // Which memory drives ContainerMemoryNearLimit and the prediction:
    // 'working_set' or 'rss'. ContainerMemoryAtLimit always reads RSS and
    // shared memory (tmpfs), whatever this says.
    memoryMetric: 'working_set',
    // Where the memory limit comes from: 'kube-state-metrics' or 'cadvisor'.
    memoryLimitSource: 'kube-state-metrics',
    // cAdvisor's series carry the time cAdvisor read the cgroup. Without
    // track_timestamps_staleness, Prometheus keeps a dead container's last
    // sample for 5 minutes: samples older than this, or older than another
    // sample of the same container by more than 30s (a restarted container's
    // old cgroup), are not read.
    cadvisorSampleMaxAge: '2m',

    runbookURLPattern: 'https://github.com/oomguard/oomguard/blob/main/docs/runbooks/%s.md',
    // Labels added to every rule.
    extraLabels: {},

    // Per alert: enabled, threshold, for, severity, and alert-specific knobs.
    alerts: {
      ContainerMemoryNearLimit: { enabled: true, threshold: 0.9, 'for': '15m', severity: 'warning' },
      // RSS (anonymous memory) and shared memory (tmpfs), which the kernel
      // cannot reclaim without swap, over the limit: the rest of the page
      // cache does not count.
      ContainerMemoryAtLimit: { enabled: true, threshold: 0.95, 'for': '5m', severity: 'critical' },
      ContainerMemoryLimitPredicted: { enabled: true, window: '1h', horizon: '4h', 'for': '15m', severity: 'warning' },
      // Limit hits a second, while RSS and shared memory are at least
      // minRSSRatio of the limit: a container full of page cache hits its
      // limit all the time, harmlessly.
      ContainerMemoryLimitHits: { enabled: true, threshold: 0, minRSSRatio: 0.8, 'for': '15m', severity: 'warning' },
      // The share of time every task of the container stalled on memory
      // (PSI "full", cgroup v2).
      ContainerMemoryPressure: { enabled: true, threshold: 0.1, 'for': '15m', severity: 'warning' },
      ContainerMemoryLimitHitsUncounted: { enabled: true, 'for': '1h', severity: 'info' },
      // Containers whose only limit-hit counter is failcnt, on nodes whose
      // cgroup version nothing shows: their zeros may be real (v1) or mean
      // nothing (v2).
      ContainerMemoryLimitHitsUnknown: { enabled: true, 'for': '1h', severity: 'info' },
      ContainerOOMKilled: { enabled: true, window: '10m', 'for': '0m', severity: 'warning' },
      ContainerOOMKilledRepeatedly: { enabled: true, threshold: 3, window: '1h', 'for': '0m', severity: 'critical' },
      // A process OOM-killed in a container that did not terminate (a child
      // of its first process): the kernel's OOM events as the kubelet counts
      // them. The for outlasts the pod status of a kill that did end the
      // container, which ContainerOOMKilled reports.
      ContainerProcessOOMKilled: { enabled: true, window: '10m', 'for': '2m', severity: 'warning' },
      // Exit code 137 without reason OOMKilled, with the working set or RSS
      // above ContainerMemoryNearLimit's threshold within the window before.
      ContainerProbablyOOMKilled: { enabled: true, window: '10m', 'for': '0m', severity: 'warning' },
      ContainerCPUSystemShareHigh: { enabled: true, threshold: 0.5, minUsageCores: 0.1, 'for': '15m', severity: 'warning' },
      ContainerCPUThrottlingHigh: { enabled: true, threshold: 0.25, 'for': '15m', severity: 'info' },
      // Pods of Jobs are left out: a batch job at its CPU limit works as meant.
      ContainerCPUNearLimit: { enabled: true, threshold: 0.9, 'for': '15m', severity: 'warning' },
      ContainerWithoutMemoryLimit: { enabled: true, 'for': '1h', severity: 'info' },
      // Blind spots: inputs missing for a cluster.
      ContainerCadvisorMetricsMissing: { enabled: true, 'for': '15m', severity: 'warning' },
      ContainerStateMetricsMissing: { enabled: true, 'for': '15m', severity: 'warning' },
      ContainerMemoryLimitsMissing: { enabled: true, 'for': '1h', severity: 'warning' },
      ContainerCPUSplitMissing: { enabled: true, 'for': '1h', severity: 'info' },
    },

    // Labels of the pack's own unit tests' input series. They must satisfy
    // the selectors above; derived from them when they use only '='.
    testLabels: {
      cadvisor: null,
      kubeStateMetrics: null,
      kubelet: null,
      namespace: 'ns',
      cluster: 'test-cluster',
    },
  },
}
