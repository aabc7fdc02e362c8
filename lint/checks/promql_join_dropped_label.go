package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/intern"
	"github.com/oomguard/oomguard/lint/labelflow"
	"github.com/oomguard/oomguard/lint/summary"
)

// PromqlJoinDroppedLabel reports on(...), group_left(...) and by(...) that
// name a label an inner aggregation already removed.
var PromqlJoinDroppedLabel = &engine.Check{
	ID:       "promql/join-dropped-label",
	Title:    "on(), group_left() or by() on a label already aggregated away",
	Severity: engine.Warning,
	Doc:      doc("promql/join-dropped-label"),
	File: func(c *engine.FileContext) {
		summary.KeepWith(c, joinSitesOf(c))
	},
	Files: func(c *engine.FilesContext) {
		ls := summary.LabelSets(c)
		for _, p := range summary.Parts[[]ruleSites](c) {
			for _, rs := range p.Own {
				r := &p.Rules[rs.rule]
				report := func(sp summary.Span, hint, format string, args ...any) {
					c.ReportSpan(p.Path, p.Groups[r.Group].Name, r.Name, sp.Span(), hint, format, args...)
				}
				for _, site := range rs.sites {
					n := site.node
					if n.Kind == labelflow.Binary {
						checkJoin(ls, site, report)
						continue
					}
					in := ls.Of(n.LHS)
					for _, l := range n.Labels.All() {
						if !in.CanHave(l) {
							report(site.lhs, "keep "+l+" in the input, or drop it from by (...)", "by (%s) groups by a label its input does not have (%s): %s is empty in every series", l, in.Why(l), l)
						}
					}
				}
			}
		}
	},
}

// ruleSites are the sites of a rule's expression.
type ruleSites struct {
	rule  int32 // index in summary.Summary.Rules
	sites []joinSite
}

// joinSite is a part of an expression the check looks at: a binary
// operation between vectors with a vector matching, or an aggregation by
// labels, with the spans of its operands.
type joinSite struct {
	node     *labelflow.Node
	lhs, rhs summary.Span
}

// joinSitesOf returns the sites of the file's rules, in the order
// parser.Inspect visits them, for the rules that have some.
func joinSitesOf(c *engine.FileContext) []ruleSites {
	b := labelflow.NewBuilder(intern.New())
	var out []ruleSites
	i := int32(-1)
	for _, g := range c.File.Groups() {
		for _, r := range g.Rules {
			i++
			if r.Parsed == nil {
				continue
			}
			at := c.File.Positions(r.Expr)
			span := func(n parser.Node) summary.Span { return summary.ExprSpan(c, g, r, at, n) }
			var sites []joinSite
			astwalk.Inspect(r.Parsed, func(n parser.Node, _ []parser.Node) error {
				switch n := n.(type) {
				case *parser.BinaryExpr:
					if n.VectorMatching == nil || n.LHS.Type() == parser.ValueTypeScalar || n.RHS.Type() == parser.ValueTypeScalar {
						return nil
					}
					sites = append(sites, joinSite{node: b.Node(n), lhs: span(n.LHS), rhs: span(n.RHS)})
				case *parser.AggregateExpr:
					if n.Without || len(n.Grouping) == 0 {
						return nil
					}
					sites = append(sites, joinSite{node: b.Node(n), lhs: span(n.Expr)})
				}
				return nil
			})
			b.Forget()
			if len(sites) > 0 {
				out = append(out, ruleSites{i, sites})
			}
		}
	}
	return out
}

func checkJoin(ls *labelflow.Sets, site joinSite, report func(summary.Span, string, string, ...any)) {
	vm := site.node.Join
	lhs, rhs := ls.Of(site.node.LHS), ls.Of(site.node.RHS)
	if vm.On {
		for _, l := range vm.Matching.All() {
			switch {
			case !lhs.CanHave(l) && rhs.CanHave(l):
				report(site.lhs, "keep "+l+" on the left side, or drop it from on (...)", "on (%s) joins on a label the left side does not have (%s): series that have %s on the right never match", l, lhs.Why(l), l)
			case lhs.CanHave(l) && !rhs.CanHave(l):
				report(site.rhs, "keep "+l+" on the right side, or drop it from on (...)", "on (%s) joins on a label the right side does not have (%s): series that have %s on the left never match", l, rhs.Why(l), l)
			}
		}
	}
	one, side, modifier := rhs, site.rhs, "group_left"
	if vm.Card == parser.CardOneToMany {
		one, side, modifier = lhs, site.lhs, "group_right"
	}
	for _, l := range vm.Include.All() {
		if !one.CanHave(l) {
			report(side, "keep "+l+" on the side it is copied from", "%s (%s) copies %s from a side that does not have it (%s): the result never has it", modifier, l, l, one.Why(l))
		}
	}
}
