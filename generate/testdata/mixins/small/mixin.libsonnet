{
  _config+:: { selector: 'job="node"' },
  prometheusRules+:: {
    groups+: [{
      name: 'node.rules',
      rules: [{ record: 'instance:node_cpu:rate5m', expr: 'sum by (instance) (rate(node_cpu_seconds_total{%s, mode!="idle"}[5m]))' % $._config.selector }],
    }],
  },
  prometheusAlerts+:: {
    groups+: [{
      name: 'node.alerts',
      rules: [{ alert: 'NodeDown', expr: 'up{%s} == 0' % $._config.selector, 'for': '5m', labels: { severity: 'critical' } }],
    }],
  },
  // Dashboards are never evaluated by oomguard.
  grafanaDashboards+:: { broken: error 'dashboards are not evaluated' },
}
