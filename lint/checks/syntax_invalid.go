package checks

import "github.com/oomguard/oomguard/lint/engine"

// SyntaxInvalid reports what the loader refuses.
var SyntaxInvalid = &engine.Check{
	ID:       "syntax/invalid",
	Title:    "The rules do not load",
	Severity: engine.Error,
	Loader:   engine.LoaderErrors,
	Doc:      doc("syntax/invalid"),
}
