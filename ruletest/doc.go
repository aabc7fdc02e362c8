// Package ruletest runs unit tests of Prometheus rules written in promtool's
// test-file format, on the real Prometheus engine (promql, rules,
// promqltest), with promtool's verdicts.
//
// Beyond promtool it reads PrometheusRule manifests and multi-document rule
// files, refuses tests that would pass in silence (a rule file with no rule,
// a glob that matches nothing, an alert no rule defines), orders groups
// missing from group_eval_order deterministically, reports readable
// differences, measures rule coverage, runs test groups in parallel and
// allows numeric tolerance and NaN in expected samples. Options.Compat turns
// the extra checks off, for promtool's exact leniency.
//
// Run reads test files and their rule files from disk and names them by
// their paths; RunFS reads them from an fs.FS (tests and rules held in
// memory, as generate holds the pack's) and names them by their names there.
package ruletest
