package checks

import "github.com/oomguard/oomguard/lint"

// LintSuppression reports suppression comments that are wrong or unused.
var LintSuppression = &lint.Check{
	ID:       "lint/suppression",
	Title:    "A suppression without a reason, or that suppresses nothing",
	Severity: lint.Warning,
	Loader:   lint.Suppressions,
	Doc:      doc("lint/suppression"),
}
