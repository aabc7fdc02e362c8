package checks

import "github.com/oomguard/oomguard/lint"

// LintSuppression reports suppression comments that are wrong or unused.
var LintSuppression = &lint.Check{
	ID:       "lint/suppression",
	Title:    "A suppression without a reason, or that suppresses nothing",
	Severity: lint.Warning,
	Loader:   lint.Suppressions,
	Doc: `A finding is suppressed by a comment ` + "`# oomguard:ignore <check> <reason>`" + ` on
its line, on the line above it, or on (or above) the first line of its rule;
` + "`# oomguard:ignore-file <check> <reason>`" + ` anywhere in a file suppresses the
check for the whole file. The reason is required, so that the next reader
knows why. A suppression that no longer matches any finding is reported, so
that suppressions do not outlive what they were for.

Generated rules (a mixin's output, a PrometheusRule written by a tool) carry
no comments: suppress their findings in the ` + "`lint`" + ` section of ` + "`.oomguard.yaml`" + `,
by check and any of file glob, group and rule (` + "`*`" + ` and ` + "`?`" + ` stay within a
directory, ` + "`**`" + ` crosses them; a relative glob matches below any directory):

    lint:
      ignore:
        - check: promql/topk-in-alert
          files: ["vendor/kubernetes-mixin/**"]
          rule: KubeJobFailed
          reason: upstream rule, tracked in our fork's issue 12

An entry that matches no finding in the files it names is reported at its
place in the config file.`,
}
