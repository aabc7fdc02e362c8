{
  _config+:: {
    services: ['svc%02d' % i for i in std.range(0, 19)],
    selector(svc):: 'job="%s"' % svc,
  },
}
