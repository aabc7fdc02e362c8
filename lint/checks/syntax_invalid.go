package checks

import "github.com/oomguard/oomguard/lint"

// SyntaxInvalid reports what the loader refuses.
var SyntaxInvalid = &lint.Check{
	ID:       "syntax/invalid",
	Title:    "The rules do not load",
	Severity: lint.Error,
	Loader:   lint.LoaderErrors,
	Doc: `Everything Prometheus would refuse in a rule file or a PrometheusRule,
each at its line and column: YAML errors, unknown or duplicate keys and
values of the wrong type, PromQL that does not parse (at the bad token, in
any YAML scalar style), label and annotation templates that do not parse,
invalid durations and names, a rule with both or neither of ` + "`alert`" + ` and
` + "`record`" + `, repeated group names. Prometheus refuses the whole file for any of
them.`,
}
