package checks

import "github.com/oomguard/oomguard/lint"

// LintSuppression reports suppression comments that are wrong or unused.
var LintSuppression = &lint.Check{
	ID:       "lint/suppression",
	Title:    "A suppression without a reason, or that suppresses nothing",
	Severity: lint.Warning,
	Loader:   lint.Suppressions,
	Doc: `A finding is suppressed by a comment ` + "`# oomguard:ignore <check> <reason>`" + ` on
its line, on the line above it, or on (or above) the first line of its rule;
` + "`# oomguard:ignore-file <check> <reason>`" + ` anywhere in a file suppresses the
check for the whole file. The reason is required, so that the next reader
knows why. A suppression that no longer matches any finding is reported, so
that suppressions do not outlive what they were for.`,
}
