package checks

import (
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// FilesSkippedDocument reports documents that are neither rule files nor
// PrometheusRules.
var FilesSkippedDocument = &engine.Check{
	ID:       "files/skipped-document",
	Title:    "A document that holds no rules",
	Severity: engine.Warning,
	Loader:   rules.WarnSkippedDocument,
	Doc:      doc("files/skipped-document"),
}
