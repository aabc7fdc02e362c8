package checks

import "github.com/oomguard/oomguard/lint"

// SyntaxInvalid reports what the loader refuses.
var SyntaxInvalid = &lint.Check{
	ID:       "syntax/invalid",
	Title:    "The rules do not load",
	Severity: lint.Error,
	Loader:   lint.LoaderErrors,
	Doc:      doc("syntax/invalid"),
}
