package checks

import (
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// FilesMultiDocument reports plain rule files of several documents.
var FilesMultiDocument = &engine.Check{
	ID:       "files/multi-document",
	Title:    "A rule file with several YAML documents",
	Severity: engine.Warning,
	Loader:   rules.WarnMultiDocument,
	Doc:      doc("files/multi-document"),
}
