package checks

import (
	"github.com/oomguard/oomguard/lint"
)

// IdentityRecordName wants recording rule names in level:metric:operations.
var IdentityRecordName = &lint.Check{
	ID:       "identity/record-name",
	Title:    "Recording rule names are level:metric:operations",
	Severity: lint.Warning,
	Doc: `Recording rule names follow Prometheus's convention
` + "`level:metric:operations`" + `: the labels the result keeps, the metric, and what was
done to it (` + "`namespace_pod_container:container_cpu_usage_seconds:rate5m`" + `). A name
without colons looks like a scraped metric; readers and the dependency checks
tell recorded series by their colons.`,
	Rule: func(c *lint.RuleContext) {
		if n := c.Rule.Record.Value; n != "" && !levelMetricOps.MatchString(n) {
			c.Report(c.Rule.Record.Pos, "name it level:metric:operations", "recording rule name %q is not of the form level:metric:operations", n)
		}
	},
}
