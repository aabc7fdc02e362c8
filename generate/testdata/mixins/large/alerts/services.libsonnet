{
  prometheusAlerts+:: {
    groups+: [
      {
        name: 'service-%s.alerts' % svc,
        rules: [
          {
            alert: 'HighErrorRate%s' % std.asciiUpper(w),
            expr: 'job:http_errors:ratio_rate%s{job="%s"} > %s' % [w, svc, t],
            'for': '5m',
            labels: { severity: if t > 0.05 then 'critical' else 'warning' },
            annotations: { summary: 'High error rate on {{ $labels.job }}.' },
          }
          for w in ['5m', '30m', '1h']
          for t in [0.01, 0.1]
        ],
      }
      for svc in $._config.services
    ],
  },
}
