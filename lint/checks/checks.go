// Package checks holds oomguard's lint checks, one file a check: the file
// <category>_<name>.go declares the check <category>/<name>, and
// testdata/<category>_<name>.yaml holds its cases, the expected findings
// written beside them as `# want "regexp"` comments. All is the registry.
package checks

import (
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/lint/catalog"
	"github.com/oomguard/oomguard/rules"
)

// All returns every check, sorted by ID.
func All() []*lint.Check {
	return []*lint.Check{
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
		KubernetesCadvisorContainerFilter,
		KubernetesFailcntWithoutV2,
		KubernetesJoinWithoutOn,
		KubernetesMemoryUsageBytes,
		KubernetesOOMKilledCounter,
		KubernetesResourceEndpointOverlap,
		LabelsSeverity,
		LabelsTemplateDroppedLabel,
		LabelsValueTemplate,
		LintSuppression,
		ManifestsCRDSchema,
		ManifestsMetadata,
		ManifestsOperatorLimit,
		ManifestsRuleSelector,
		ManifestsSize,
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
		SyntaxInvalid,
	}
}

// exprSpan returns the text of a node of a rule's expression in the file.
func exprSpan(f *rules.File, r *rules.Rule, n parser.Node) lint.Span {
	pr := n.PositionRange()
	return offsetSpan(f, r, int(pr.Start), int(pr.End))
}

// offsetSpan returns the text of the bytes start to end of a rule's
// expression in the file; a span of unknown end when they are not in it.
func offsetSpan(f *rules.File, r *rules.Rule, start, end int) lint.Span {
	return spanAt(f.Positions(r.Expr), r.Expr.Value, start, end)
}

// spanAt returns the text of the bytes start to end of value, whose
// positions at gives; a span of unknown end when they are not in it.
func spanAt(at func(int) rules.Pos, value string, start, end int) lint.Span {
	if start < 0 || end < start || end > len(value) {
		return lint.At(at(start))
	}
	return lint.Span{Start: at(start), End: at(end)}
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

// metricCatalog returns the metric catalog of a configuration.
func metricCatalog(cfg *lint.Config) *catalog.Catalog {
	if cfg == nil || cfg.Metrics == nil {
		return catalog.Default()
	}
	return cfg.Metrics
}

// unparen returns e without the parentheses around it.
func unparen(e parser.Expr) parser.Expr {
	for {
		p, ok := e.(*parser.ParenExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}

// numberOf returns the value of a number literal, in parentheses or
// negated.
func numberOf(e parser.Expr) (float64, bool) {
	switch e := unparen(e).(type) {
	case *parser.NumberLiteral:
		return e.Val, true
	case *parser.UnaryExpr:
		if v, ok := numberOf(e.Expr); ok {
			if e.Op == parser.SUB {
				return -v, true
			}
			return v, true
		}
	}
	return 0, false
}

// rangeSelector returns the selector a range function reads when its
// argument is a range selector (x[5m]) or a subquery of a selector
// (x[5m:1m]), or nil.
func rangeSelector(e parser.Expr) *parser.VectorSelector {
	switch e := unparen(e).(type) {
	case *parser.MatrixSelector:
		vs, _ := e.VectorSelector.(*parser.VectorSelector)
		return vs
	case *parser.SubqueryExpr:
		vs, _ := unparen(e.Expr).(*parser.VectorSelector)
		return vs
	}
	return nil
}

// scrapeWindow returns the scrape interval and the number of intervals a
// range window must cover.
func scrapeWindow(cfg *lint.Config) (time.Duration, int) {
	iv, n := 30*time.Second, 4
	if cfg != nil && cfg.ScrapeInterval > 0 {
		iv = cfg.ScrapeInterval
	}
	if cfg != nil && cfg.MinScrapesPerWindow > 0 {
		n = cfg.MinScrapesPerWindow
	}
	return iv, n
}
