local h = import 'common/helpers.libsonnet';
{
  recording(c, svc):: [
    { record: 'job:http_requests:rate%s' % w, expr: 'sum by (job, code) (rate(http_requests_total{%s}[%s]))' % [c.selector(svc), w] }
    for w in ['1m', '5m', '30m', '1h', '6h']
  ] + [
    { record: 'job:http_errors:ratio_rate%s' % w, expr: h.ratio('sum by (job) (rate(http_requests_total{%s, code=~"5.."}[%s]))' % [c.selector(svc), w], 'sum by (job) (rate(http_requests_total{%s}[%s]))' % [c.selector(svc), w]) }
    for w in ['1m', '5m', '30m', '1h', '6h']
  ],
}
