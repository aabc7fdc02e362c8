local lib = import '../lib/rules.libsonnet';
{
  prometheusRules+:: {
    groups+: [
      { name: 'service-%s.rules' % svc, rules: lib.recording($._config, svc) }
      for svc in $._config.services
    ],
  },
}
