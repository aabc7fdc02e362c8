package checks

import (
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// FilesIgnoredEntry reports entries Prometheus drops.
var FilesIgnoredEntry = &engine.Check{
	ID:       "files/ignored-entry",
	Title:    "An entry Prometheus ignores",
	Severity: engine.Info,
	Loader:   rules.WarnIgnoredEntry,
	Doc:      doc("files/ignored-entry"),
}
