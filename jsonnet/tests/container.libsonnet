// The pack's unit tests, in promtool's test-file format, made from
// _config so that they hold for any configuration: the threshold tests of
// every alert, checks of the recording rules, and the scenarios of the
// clusters the pack meets.
//
// prometheusTestFiles holds them by file name, one file per evaluation
// step (promtool's evaluation_interval is a file's): with the default
// durations every group fits one file, pack_test.yaml; a long for or
// window puts its groups at a coarser step in pack_test_<step>.yaml.
// prometheusTests is the file of the finest step.
local l = import 'lib.libsonnet';
local u = import '../lib/utils.libsonnet';

(import 'fixtures.libsonnet') +
(import 'thresholds.libsonnet') +
(import 'scenarios.libsonnet') +
{
  // The definitions of every test group, in order.
  _testDefs::
    local c = $._config;
    std.flattenArrays([
      $._thresholdTests.alerts[name]
      for name in std.objectFields($._thresholdTests.alerts)
      if c.alerts[name].enabled
    ]) + $._thresholdTests.recording + $._scenarios,

  prometheusTestFiles::
    local c = $._config;
    local enabled(name) = c.alerts[name].enabled;
    local placed = [
      local E = l.step(d.span, std.get(d, 'maxStep'));
      { E: E, group: l.group(d, E, enabled) }
      for d in $._testDefs
    ];
    local kept = [p for p in placed if p.group != null];
    local steps = std.set([p.E for p in kept]);
    {
      [if E == steps[0] then 'pack_test.yaml' else 'pack_test_%s.yaml' % u.duration(60 * E)]: {
        rule_files: ['rules.yaml'],
        evaluation_interval: u.duration(60 * E),
        // Rates over samples 15s apart (short rate windows) come out one
        // unit in the last place off the exact figure: accepted, as
        // promtool's fuzzy_compare does.
        fuzzy_compare: true,
        // Recording groups first, then the alerts, as in the rule file:
        // promtool orders groups missing from this list at random, and an
        // alert would then read a recording one evaluation late.
        group_eval_order: [g.name for g in $.prometheusRules.groups + $.prometheusAlerts.groups],
        tests: [p.group for p in kept if p.E == E],
      }
      for E in steps
    },

  prometheusTests:: self.prometheusTestFiles['pack_test.yaml'],
}
