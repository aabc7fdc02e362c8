package checks

import (
	"slices"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
)

// PromqlTopkInAlert reports ranking aggregations in alerts.
var PromqlTopkInAlert = &engine.Check{
	ID:       "promql/topk-in-alert",
	Title:    "topk(), bottomk() or limitk() in an alert",
	Severity: engine.Warning,
	Doc:      doc("promql/topk-in-alert"),
	Rule: func(c *engine.RuleContext) {
		if !c.Rule.IsAlert() || c.Rule.Parsed == nil {
			return
		}
		astwalk.Inspect(c.Rule.Parsed, func(n parser.Node, path []parser.Node) error {
			agg, ok := n.(*parser.AggregateExpr)
			if !ok || joinOneSide(agg, path) || deduplicates(agg) {
				return nil
			}
			switch agg.Op {
			case parser.TOPK, parser.BOTTOMK, parser.LIMITK, parser.LIMIT_RATIO:
				c.ReportSpan(exprSpan(c.File, c.Rule, agg), "alert on a threshold instead",
					"%s() in alert %q: the series it returns change with the ranking, so alerts resolve and fire again as values move", agg.Op, c.Rule.Alert.Value)
			}
			return nil
		})
	},
}

// joinOneSide reports whether e, with the chain of nodes above it, is the
// "one" side of a group_left or group_right join.
func joinOneSide(e parser.Node, path []parser.Node) bool {
	child := e
	for i := len(path) - 1; i >= 0; i-- {
		switch n := path[i].(type) {
		case *parser.ParenExpr:
			child = n
			continue
		case *parser.BinaryExpr:
			if vm := n.VectorMatching; vm != nil {
				switch vm.Card {
				case parser.CardManyToOne:
					return child == n.RHS
				case parser.CardOneToMany:
					return child == n.LHS
				}
			}
		}
		return false
	}
	return false
}

// deduplicates reports whether a ranking keeps one series of each group of
// one thing: topk by (cluster, namespace, pod) (1, ...), the way
// kubernetes-mixin, kube-prometheus and OpenShift keep one of the copies two
// kube-state-metrics replicas or two scrapes of one target make. Every
// group keeps one series whatever the values, so the ranking does not
// decide which alerts fire. A group that names no label below the
// namespace, bottomk by (namespace) (1, ...), holds many things, and the
// ranking picks one of them: that is reported.
func deduplicates(agg *parser.AggregateExpr) bool {
	k, ok := numberOf(agg.Param)
	if !ok || k != 1 {
		return false
	}
	if agg.Without {
		return true
	}
	return slices.ContainsFunc(agg.Grouping, func(l string) bool { return !coarseLabels[l] })
}

// coarseLabels are labels of groups of many things: a namespace, a job, a
// cluster.
var coarseLabels = map[string]bool{
	"cluster": true, "namespace": true, "job": true, "service": true, "env": true, "environment": true,
	"region": true, "zone": true, "tenant": true, "team": true, "prometheus": true,
}
