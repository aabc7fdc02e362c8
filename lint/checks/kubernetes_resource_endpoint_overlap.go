package checks

import (
	"slices"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/catalog"
	"github.com/oomguard/oomguard/lint/engine"
)

// KubernetesResourceEndpointOverlap reports selectors of metrics that both
// cAdvisor and the kubelet's resource endpoint serve, without telling
// them apart.
var KubernetesResourceEndpointOverlap = &engine.Check{
	ID:       "kubernetes/resource-endpoint-overlap",
	Title:    "A cAdvisor metric the kubelet's /metrics/resource also serves",
	Severity: engine.Warning,
	Doc:      doc("kubernetes/resource-endpoint-overlap"),
	Rule: func(c *engine.RuleContext) {
		cat := c.Config.Metrics
		selectors(c.Rule.Parsed, func(vs *parser.VectorSelector, path []parser.Node) {
			name := metricName(vs)
			cad, res := cat.Source(name, catalog.Cadvisor), cat.Source(name, catalog.KubeletResource)
			if cad == nil || res == nil || distinguishesEndpoints(vs, cad, res) || copiesCollapse(path, cad, res) {
				return
			}
			c.ReportSpan(exprSpan(c.File, c.Rule, vs), `add metrics_path="/metrics/cadvisor" (or image!="")`,
				"%s is served by both cAdvisor and the kubelet's /metrics/resource, and nothing here tells them apart: where both are scraped, every container counts twice", name)
		})
	},
}

// distinguishesEndpoints reports whether a selector keeps the series of
// only one of the two endpoints.
func distinguishesEndpoints(vs *parser.VectorSelector, cad, res *catalog.Metric) bool {
	for _, m := range vs.LabelMatchers {
		if m.Name == "metrics_path" && !(m.Matches("/metrics/cadvisor") && m.Matches("/metrics/resource")) {
			return true
		}
		// A label only one endpoint sets, required to be non-empty.
		if cad.HasLabel(m.Name) != res.HasLabel(m.Name) && !m.Matches("") {
			return true
		}
		// A label the resource endpoint always sets, required to be
		// empty: container="" selects cAdvisor's pod-level cgroups, which
		// the resource endpoint has no series of.
		if res.HasLabel(m.Name) && m.Type == labels.MatchEqual && m.Value == "" {
			return true
		}
	}
	return false
}

// copiesCollapse reports whether the first aggregation above a selector
// folds the two endpoints' copies of a series into one.
func copiesCollapse(path []parser.Node, cad, res *catalog.Metric) bool {
	for i := len(path) - 1; i >= 0; i-- {
		switch n := path[i].(type) {
		case *parser.Call:
			if strings.HasPrefix(n.Func.Name, "absent") {
				return true
			}
		case *parser.AggregateExpr:
			switch n.Op {
			case parser.MAX, parser.MIN, parser.AVG, parser.GROUP:
			default:
				return false
			}
			if n.Without {
				return false
			}
			return !slices.ContainsFunc(n.Grouping, func(l string) bool { return l == "metrics_path" || cad.HasLabel(l) != res.HasLabel(l) })
		}
	}
	return false
}
