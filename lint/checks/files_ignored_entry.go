package checks

import (
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

// FilesIgnoredEntry reports entries Prometheus drops.
var FilesIgnoredEntry = &lint.Check{
	ID:       "files/ignored-entry",
	Title:    "An entry Prometheus ignores",
	Severity: lint.Info,
	Loader:   rules.WarnIgnoredEntry,
	Doc:      doc("files/ignored-entry"),
}
