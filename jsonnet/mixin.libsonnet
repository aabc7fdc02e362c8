// The oomguard container-resources pack, as a mixin:
//   (import 'mixin.libsonnet') + { _config+:: { ... } }
// gives prometheusRules and prometheusAlerts ({ groups: [...] }), and
// prometheusTests, the pack's unit tests in promtool's format.
(import 'config.libsonnet') +
(import 'rules/container.libsonnet') +
(import 'alerts/container.libsonnet') +
(import 'tests/container.libsonnet') +
{
  // Every rule carries the extra labels.
  prometheusRules+:: {
    groups: [
      g { rules: [r { labels+: $._config.extraLabels } for r in super.rules] }
      for g in super.groups
    ],
  },
}
