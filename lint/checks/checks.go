// Package checks holds oomguard's lint checks, one file a check: the file
// <category>_<name>.go declares the check <category>/<name>, and
// testdata/<category>_<name>.yaml holds its cases, the expected findings
// written beside them as `# want "regexp"` comments, and
// <category>_<name>.md its documentation. All is the registry. The
// analyses several checks share are packages of their own under lint/.
package checks

import (
	"embed"
	"strings"

	"github.com/oomguard/oomguard/lint/engine"
)

// All returns every check, sorted by ID.
func All() []*engine.Check {
	return []*engine.Check{
		AlertsAbsentWithoutFor,
		AlertsKeepFiringFor,
		AlertsNoCondition,
		AlertsShortFor,
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
		IdentityRecordNameForm,
		KubernetesCadvisorContainerFilter,
		KubernetesFailcntWithoutV2,
		KubernetesJoinWithoutOn,
		KubernetesMemoryUsageBytes,
		KubernetesOOMKilledCounter,
		KubernetesResourceEndpointOverlap,
		LabelsSeverity,
		LabelsSeverityValue,
		LabelsTemplateDroppedLabel,
		LabelsTemplateFunction,
		LabelsValueTemplate,
		LintSuppression,
		ManifestsCRDSchema,
		ManifestsMetadata,
		ManifestsOperatorLimit,
		ManifestsRuleSelector,
		ManifestsSize,
		OnlineBacktest,
		OnlineMissingLabel,
		OnlineMissingSeries,
		OnlineRecordExists,
		PromqlCatchAllMatcher,
		PromqlCounterWithoutRate,
		PromqlImpossibleComparison,
		PromqlJoinDroppedLabel,
		PromqlRateOfSum,
		PromqlRateOnGauge,
		PromqlShortWindow,
		PromqlStaticRegexp,
		PromqlTopkInAlert,
		PromqlUnguardedDivisor,
		PromqlVectorMatching,
		SyntaxInvalid,
		TestsEvalTimePastInput,
		TestsImpossibleSample,
		TestsMissingRuleFile,
		TestsUnknownAlertname,
	}
}

//go:embed *.md
var docs embed.FS

// doc returns the documentation of the check id: the markdown file
// <category>_<name>.md beside the check's file.
func doc(id string) string {
	b, err := docs.ReadFile(fileOf(id) + ".md")
	if err != nil {
		panic("check " + id + " has no documentation: " + err.Error())
	}
	return strings.TrimSuffix(string(b), "\n")
}

// fileOf is the name of the files of the check id, without extension.
func fileOf(id string) string { return strings.NewReplacer("/", "_", "-", "_").Replace(id) }
