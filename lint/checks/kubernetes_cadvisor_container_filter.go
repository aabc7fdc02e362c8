package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/engine"
)

// KubernetesCadvisorContainerFilter reports cAdvisor series aggregated
// without leaving out the pod-level cgroup.
var KubernetesCadvisorContainerFilter = &engine.Check{
	ID:       "kubernetes/cadvisor-container-filter",
	Title:    "cAdvisor series aggregated with the pod cgroup",
	Severity: engine.Warning,
	Doc:      doc("kubernetes/cadvisor-container-filter"),
	Rule: func(c *engine.RuleContext) {
		selectors(c.Rule.Parsed, func(vs *parser.VectorSelector, path []parser.Node) {
			name := metricName(vs)
			if !isCadvisorMetric(name) || strings.HasPrefix(name, "container_network_") || leavesOutPodCgroup(vs) {
				return
			}
			agg, kept := mergesPodCgroup(path)
			if agg == nil {
				return
			}
			msg := fmt.Sprintf("%s is aggregated without container!=\"\": the pod-level cgroup series count the pod twice", name)
			if strings.HasPrefix(name, "container_fs_") {
				// Pod cgroups have no filesystem of their own: the node's
				// root cgroup has, with the node's filesystems.
				if rejectsEmpty(vs, "pod") {
					return
				}
				msg = fmt.Sprintf("%s is aggregated without container!=\"\": the node's root cgroup (id=\"/\") reports the node's filesystems, and its series count the containers' usage again", name)
			} else if kept != nil {
				msg = fmt.Sprintf("%s is aggregated without container!=\"\": %s keeps each cgroup apart, but %s then adds them up, and the pod-level cgroup series count the pod twice",
					name, describeAggregation(kept), describeAggregation(agg))
			}
			// No fix: the filter changes what the rule returns (that is
			// the point), and a cAdvisor without the container label
			// (standalone, not the kubelet's) would return nothing.
			c.ReportSpan(exprSpan(c.File, c.Rule, vs), `add container!="" (the kubelet's cAdvisor; name!="" for a standalone one)`, "%s", msg)
		})
	},
}

// podCgroupLabels are the labels whose empty value marks the pod-level
// cgroup's series (and the root and system cgroups'): container and image
// under the kubelet's cAdvisor, name under a standalone one, where the
// cgroups of containers are named after them.
var podCgroupLabels = []string{"container", "image", "name"}

// cgroupLabels are the labels an aggregation keeps the pod cgroup apart
// with: those above, and id, the cgroup's path, whose matchers say nothing
// of the pod cgroup.
var cgroupLabels = append(podCgroupLabels, "id")

// leavesOutPodCgroup reports whether a selector's matchers leave out the
// pod-level cgroup's series, or select them alone: a matcher of one of
// the labels that tells them apart.
func leavesOutPodCgroup(vs *parser.VectorSelector) bool {
	for _, m := range vs.LabelMatchers {
		if slices.Contains(podCgroupLabels, m.Name) {
			return true
		}
	}
	return false
}

// rejectsEmpty reports whether a matcher of the selector rejects the empty
// value of label l.
func rejectsEmpty(vs *parser.VectorSelector, l string) bool {
	for _, m := range vs.LabelMatchers {
		if m.Name == l && !m.Matches("") {
			return true
		}
	}
	return false
}

// mergesPodCgroup returns the first aggregation above a cAdvisor selector,
// from the inside out, that sums its series without keeping a label that
// tells the pod cgroup apart (container, image, name, id): there the pod
// cgroup's series and its containers' are added up together. Aggregations
// below it that keep one keep the pod cgroup apart; kept is the first of
// them, or nil.
func mergesPodCgroup(path []parser.Node) (merges, kept *parser.AggregateExpr) {
	// The labels of cgroupLabels the series still have, from the inside out.
	left := slices.Clone(cgroupLabels)
	for i := len(path) - 1; i >= 0; i-- {
		agg, ok := path[i].(*parser.AggregateExpr)
		if !ok || agg.Op == parser.TOPK || agg.Op == parser.BOTTOMK {
			continue
		}
		left = slices.DeleteFunc(left, func(l string) bool { return slices.Contains(agg.Grouping, l) == agg.Without })
		if len(left) > 0 {
			if kept == nil {
				kept = agg
			}
			continue
		}
		return agg, kept
	}
	return nil, nil
}
