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
	Doc: `An empty item in a list of groups or rules (a lone ` + "`-`" + `), or an entry with a
null key. Prometheus's YAML decoding drops them in silence; they are usually
an editing accident.`,
}
