{
  prometheusAlerts: {
    groups: [{ name: 'g', rules: [{ alert: 'Broken', expr: 'sum(rate(x[5m]) by (job)' }] }],
  },
}
