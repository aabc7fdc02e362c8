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
	Doc: `A Prometheus server and promtool read only the first YAML document of a rule
file and drop the others without a word. oomguard reads them all and reports
the file: split it, or merge the documents' groups.`,
}
