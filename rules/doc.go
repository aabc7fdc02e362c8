// Package rules is the model every oomguard command shares: rule files,
// groups and rules in which every key and value keeps the position it came
// from, the loaders that build the model from plain Prometheus rule files and
// PrometheusRule manifests, and the writers that turn it back into either.
//
// Positions are 1-based; columns count characters (runes), as editors do.
// A PromQL expression keeps enough of its YAML source that an offset into the
// decoded expression maps back onto the exact line and column in the file,
// whatever the scalar style it was written in (see File.ExprPos).
//
// The loaders are as strict as Prometheus: whatever model/rulefmt rejects in
// a rule file, Load rejects with the same meaning, and every error of a file
// is reported with its position, not only the first.
package rules
