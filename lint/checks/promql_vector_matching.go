package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/intern"
	"github.com/oomguard/oomguard/lint/labelflow"
	"github.com/oomguard/oomguard/lint/matchers"
	"github.com/oomguard/oomguard/lint/summary"
)

// PromqlVectorMatching reports binary operations between vectors whose
// sides can never have a series that matches.
var PromqlVectorMatching = &engine.Check{
	ID:       "promql/vector-matching",
	Title:    "A binary operation whose sides can never match",
	Severity: engine.Warning,
	Doc:      doc("promql/vector-matching"),
	File: func(c *engine.FileContext) {
		summary.KeepWith(c, matchSitesOf(c))
	},
	Files: func(c *engine.FilesContext) {
		ls := summary.LabelSets(c)
		for _, p := range summary.Parts[[]ruleMatchSites](c) {
			for _, rs := range p.Own {
				r := &p.Rules[rs.rule]
				result := "the rule records nothing"
				if r.Alert {
					result = "the alert can never fire"
				}
				for _, site := range rs.sites {
					why := site.disjoint
					if why == "" {
						why = otherLabelNames(ls, site)
					}
					if why == "" {
						continue
					}
					effect := "the result is always empty, " + result
					if site.op == parser.LUNLESS {
						effect = "unless removes nothing"
					}
					c.ReportSpan(p.Path, p.Groups[r.Group].Name, r.Name, site.span.Span(), site.hint,
						"the sides of %s can never match: %s; %s", site.op, why, effect)
				}
			}
		}
	},
}

// ruleMatchSites are the binary operations of a rule's expression that
// match series of both sides.
type ruleMatchSites struct {
	rule  int32 // index in summary.Summary.Rules
	sites []matchSite
}

type matchSite struct {
	op   parser.ItemType
	span summary.Span
	// disjoint says, when it is not "", which matched label has values
	// that differ on the two sides.
	disjoint string
	// lhs and rhs are the sides' label flows, for a one-to-one operation
	// without on (...) whose disjoint is ""; ignoring are the labels it
	// ignores.
	lhs, rhs *labelflow.Node
	ignoring []string
	hint     string
}

func matchSitesOf(c *engine.FileContext) []ruleMatchSites {
	b := labelflow.NewBuilder(intern.New())
	var out []ruleMatchSites
	i := int32(-1)
	for _, g := range c.File.Groups() {
		for _, r := range g.Rules {
			i++
			if r.Parsed == nil {
				continue
			}
			at := c.File.Positions(r.Expr)
			var sites []matchSite
			astwalk.Inspect(r.Parsed, func(n parser.Node, _ []parser.Node) error {
				e, ok := n.(*parser.BinaryExpr)
				if !ok || e.VectorMatching == nil || e.Op == parser.LOR ||
					e.LHS.Type() != parser.ValueTypeVector || e.RHS.Type() != parser.ValueTypeVector {
					return nil
				}
				vm := e.VectorMatching
				site := matchSite{op: e.Op, span: summary.ExprSpan(c, g, r, at, e)}
				if l, why := disjointMatched(e, c.Config.Budgets); l != "" {
					site.disjoint, site.hint = why, "match on other labels, or select values the two sides share"
				} else if !vm.On && vm.Card == parser.CardOneToOne {
					site.lhs, site.rhs, site.ignoring = b.Node(e.LHS), b.Node(e.RHS), slices.Clone(vm.MatchingLabels)
					site.hint = "join on the labels both sides have: on (...), with group_left when one side has more series"
				} else {
					return nil
				}
				sites = append(sites, site)
				return nil
			})
			b.Forget()
			if len(sites) > 0 {
				out = append(out, ruleMatchSites{i, sites})
			}
		}
	}
	return out
}

// disjointMatched returns a label the operation matches series on whose
// values the matchers of the two sides keep apart, and what they are.
func disjointMatched(e *parser.BinaryExpr, bu matchers.Budgets) (string, string) {
	vm := e.VectorMatching
	var on []string
	if vm.On {
		on = vm.MatchingLabels
	} else {
		// Matched on every label but those ignored: those the matchers name
		// are the ones that can be told apart.
		astwalk.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			if vs, ok := n.(*parser.VectorSelector); ok {
				for _, m := range vs.LabelMatchers {
					if m.Name != model.MetricNameLabel && !slices.Contains(vm.MatchingLabels, m.Name) && !slices.Contains(on, m.Name) {
						on = append(on, m.Name)
					}
				}
			}
			return nil
		})
		slices.Sort(on)
	}
	for _, l := range on {
		lhs, rhs := bu.ValueConstraint(e.LHS, l), bu.ValueConstraint(e.RHS, l)
		if emptyAlone(lhs, bu) || emptyAlone(rhs, bu) {
			// A side that is empty whatever the other: an operation inside
			// it never matches, and is reported.
			continue
		}
		disjoint := true
		for _, x := range lhs {
			for _, y := range rhs {
				if !bu.DisjointMatchers(slices.Concat(x, y)) {
					disjoint = false
				}
			}
		}
		if disjoint {
			return l, fmt.Sprintf("%s is %s on the left and %s on the right", l, describeValues(lhs), describeValues(rhs))
		}
	}
	return "", ""
}

// emptyAlone reports whether no value meets any of the alternatives.
func emptyAlone(alts [][]*labels.Matcher, bu matchers.Budgets) bool {
	for _, x := range alts {
		if !bu.DisjointMatchers(x) {
			return false
		}
	}
	return true
}

// describeValues writes what a label's value constraint says.
func describeValues(alts [][]*labels.Matcher) string {
	var parts []string
	for _, alt := range alts {
		var ms []string
		for _, m := range alt {
			ms = append(ms, m.String())
		}
		if len(ms) == 0 {
			ms = append(ms, "any value")
		}
		parts = append(parts, strings.Join(ms, ", "))
	}
	return strings.Join(parts, " or ")
}

// otherLabelNames says how the two sides of a one-to-one operation without
// on (...) have different label names, when both are known, or "".
func otherLabelNames(ls *labelflow.Sets, site matchSite) string {
	if site.lhs == nil {
		return ""
	}
	a, b := ls.Of(site.lhs), ls.Of(site.rhs)
	la, ok1 := a.Labels()
	lb, ok2 := b.Labels()
	if !ok1 || !ok2 {
		return ""
	}
	la = slices.DeleteFunc(la, func(l string) bool { return slices.Contains(site.ignoring, l) })
	lb = slices.DeleteFunc(lb, func(l string) bool { return slices.Contains(site.ignoring, l) })
	if slices.Equal(la, lb) {
		return ""
	}
	names := func(ls []string) string {
		if len(ls) == 0 {
			return "no label"
		}
		return strings.Join(ls, ", ")
	}
	return fmt.Sprintf("without on (...) they are matched on all their labels, and the left side has %s (%s), the right side %s (%s)",
		names(la), a.Why(""), names(lb), b.Why(""))
}
