package checks

import (
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

// FilesSkippedDocument reports documents that are neither rule files nor
// PrometheusRules.
var FilesSkippedDocument = &lint.Check{
	ID:       "files/skipped-document",
	Title:    "A document that holds no rules",
	Severity: lint.Warning,
	Loader:   rules.WarnSkippedDocument,
	Doc: `A document of another kind (a ConfigMap, a Deployment, an item of a List
that is not a PrometheusRule) in a file given to lint. It is skipped, and
reported so that a misspelt kind is not taken for a pass.`,
}
