package checks

import (
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

// FilesMultiDocument reports plain rule files of several documents.
var FilesMultiDocument = &lint.Check{
	ID:       "files/multi-document",
	Title:    "A rule file with several YAML documents",
	Severity: lint.Warning,
	Loader:   rules.WarnMultiDocument,
	Doc:      doc("files/multi-document"),
}
