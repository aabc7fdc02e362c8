package checks

import "github.com/oomguard/oomguard/lint/engine"

// LintSuppression reports suppression comments that are wrong or unused.
var LintSuppression = &engine.Check{
	ID:       "lint/suppression",
	Title:    "A suppression without a reason, or that suppresses nothing",
	Severity: engine.Warning,
	Loader:   engine.Suppressions,
	Doc:      doc("lint/suppression"),
}
