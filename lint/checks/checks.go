// Package checks holds oomguard's lint checks, one file a check: the file
// <category>_<name>.go declares the check <category>/<name>, and
// testdata/<category>_<name>.yaml holds its cases, the expected findings
// written beside them as `# want "regexp"` comments. All is the registry.
package checks

import (
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

// All returns every check, sorted by ID.
func All() []*lint.Check {
	return []*lint.Check{
		AlertsAbsentWithoutFor,
		AlertsNoCondition,
		AnnotationsRequired,
		DependenciesCrossGroup,
		DependenciesMissingRecordingRule,
		FilesIgnoredEntry,
		FilesMultiDocument,
		FilesNoRules,
		FilesSkippedDocument,
		IdentityAlertName,
		IdentityDuplicateRule,
		IdentityRecordName,
		KubernetesCadvisorContainerFilter,
		KubernetesFailcntWithoutV2,
		KubernetesJoinWithoutOn,
		KubernetesMemoryUsageBytes,
		KubernetesOOMKilledCounter,
		LabelsSeverity,
		LabelsValueTemplate,
		LintSuppression,
		ManifestsCRDSchema,
		ManifestsMetadata,
		ManifestsOperatorLimit,
		ManifestsRuleSelector,
		ManifestsSize,
		PromqlStaticRegexp,
		SyntaxInvalid,
	}
}

// exprPos returns the position in the file of a node of a rule's
// expression.
func exprPos(f *rules.File, r *rules.Rule, n parser.Node) rules.Pos {
	return f.PosAt(r.Expr, int(n.PositionRange().Start))
}

// selectors returns the vector selectors of an expression with the chain
// of nodes above each.
func selectors(e parser.Expr, fn func(vs *parser.VectorSelector, path []parser.Node)) {
	if e == nil {
		return
	}
	parser.Inspect(e, func(n parser.Node, path []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			fn(vs, path)
		}
		return nil
	})
}

// metricName returns the name a selector selects by equality, or "".
func metricName(vs *parser.VectorSelector) string {
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return vs.Name
}

// matcher returns the selector's matcher on a label, or nil.
func matcher(vs *parser.VectorSelector, name string) *labels.Matcher {
	for _, m := range vs.LabelMatchers {
		if m.Name == name {
			return m
		}
	}
	return nil
}

func isCadvisorMetric(name string) bool {
	return strings.HasPrefix(name, "container_") && name != "container_last_seen"
}
