package online

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
)

// Finding is a problem an online analysis found in an expression, on one
// of its nodes.
type Finding struct {
	Node parser.Node
	// Label is the label a finding of MissingLabels is about.
	Label string
	Msg   string
}

// Skip says which metric names not to ask about: names the rules being
// linted record themselves (the server may not have them yet).
type Skip func(metric string) bool

// MissingSelectors reports the selectors of expr that match no series on
// the server, saying which part fails. Selectors under absent() and
// absent_over_time(), and on the right of unless, are meant to match
// nothing sometimes; in a or b, a side is reported only when the other
// side matches nothing either.
func (p *Prober) MissingSelectors(ctx context.Context, expr parser.Expr, skip Skip) ([]Finding, error) {
	fs, _, err := p.missing(ctx, expr, skip)
	return fs, err
}

// missing returns the findings under n and whether some selector under it
// matches series.
func (p *Prober) missing(ctx context.Context, n parser.Node, skip Skip) ([]Finding, bool, error) {
	switch n := n.(type) {
	case *parser.VectorSelector:
		if skip != nil && n.Name != "" && skip(n.Name) {
			return nil, true, nil
		}
		st, err := p.Selector(ctx, n)
		if err != nil {
			return nil, false, err
		}
		if st.Matches {
			return nil, true, nil
		}
		return []Finding{{Node: n, Msg: p.describe(n, st)}}, false, nil
	case *parser.Call:
		if n.Func.Name == "absent" || n.Func.Name == "absent_over_time" {
			return nil, true, nil
		}
	case *parser.BinaryExpr:
		switch n.Op {
		case parser.LUNLESS:
			return p.missing(ctx, n.LHS, skip)
		case parser.LOR:
			lf, lok, err := p.missing(ctx, n.LHS, skip)
			if err != nil {
				return nil, false, err
			}
			rf, rok, err := p.missing(ctx, n.RHS, skip)
			if err != nil {
				return nil, false, err
			}
			switch {
			case lok && !rok && len(lf) == 0:
				return nil, true, nil
			case rok && !lok && len(rf) == 0:
				return nil, true, nil
			}
			return append(lf, rf...), lok || rok, nil
		}
	}
	var out []Finding
	ok := false
	for _, c := range parser.Children(n) {
		fs, cok, err := p.missing(ctx, c, skip)
		if err != nil {
			return nil, false, err
		}
		out = append(out, fs...)
		ok = ok || cok
	}
	return out, ok, nil
}

func (p *Prober) describe(vs *parser.VectorSelector, st *Status) string {
	name := vs.Name
	if name == "" {
		name = vs.String()
	}
	var msg string
	switch {
	case st.NoMetric:
		msg = fmt.Sprintf("%s: no series named %s on %s in the last %s", vs, name, p.c.Name(), Short(p.opts.Recent))
	case st.Failing != nil && vs.Name == "":
		msg = fmt.Sprintf("%s: no series on %s has %s", vs, p.c.Name(), st.Failing)
	case st.Failing != nil:
		have := "it has no such label"
		if len(st.Values) > 0 {
			more := ""
			if st.ValuesTruncated {
				more = ", ..."
			}
			have = fmt.Sprintf("%s has %s%s", st.Failing.Name, strings.Join(quoteAll(st.Values), ", "), more)
		}
		msg = fmt.Sprintf("%s: %s exists on %s, but no series of it has %s (%s)", vs, name, p.c.Name(), st.Failing, have)
	default:
		msg = fmt.Sprintf("%s: %s exists on %s, and each matcher matches some of its series, but no series matches them all", vs, name, p.c.Name())
	}
	if st.LastSeen.IsZero() {
		return msg + fmt.Sprintf(" (nor in the last %s)", Short(p.opts.Lookback))
	}
	return msg + fmt.Sprintf("; it matched until %s ago (%s)", Short(p.opts.Now.Sub(st.LastSeen).Truncate(time.Hour)), st.LastSeen.UTC().Format("2006-01-02 15:04 MST"))
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

// Short writes a duration as Prometheus does (1h30m), 0s for none, but
// whole days in days (7d, 14d), as people say them, not in weeks: the form
// of every duration in the online checks' messages.
func Short(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d <= 0:
		return "0s"
	case d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	}
	return modelDuration(d)
}

// LabelUse is a label an expression reads at a node: in by, on, a
// group_left or group_right list, or in a template.
type LabelUse struct {
	Node  parser.Node
	Label string
	// Clause says where: "by (...)", "on (...)", "group_left (...)", a
	// template.
	Clause string
	// Feeds are the selectors whose series the label would come from.
	Feeds []*parser.VectorSelector
}

// LabelUses lists the labels expr reads by grouping or matching, each with
// the selectors whose series must carry it. Labels made by label_replace,
// label_join or count_values are not read from series and are left out.
func LabelUses(expr parser.Expr) []LabelUse {
	var out []LabelUse
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.AggregateExpr:
			if n.Without || n.Op == parser.COUNT_VALUES {
				return nil
			}
			for _, l := range n.Grouping {
				if feeds, made := Feeds(n.Expr, l); !made && len(feeds) > 0 {
					out = append(out, LabelUse{Node: n, Label: l, Clause: "by (" + strings.Join(n.Grouping, ", ") + ")", Feeds: feeds})
				}
			}
		case *parser.BinaryExpr:
			m := n.VectorMatching
			if m == nil || n.LHS.Type() != parser.ValueTypeVector || n.RHS.Type() != parser.ValueTypeVector {
				return nil
			}
			if m.On {
				for _, l := range m.MatchingLabels {
					for _, side := range []parser.Expr{n.LHS, n.RHS} {
						if feeds, made := Feeds(side, l); !made && len(feeds) > 0 {
							out = append(out, LabelUse{Node: n, Label: l, Clause: "on (" + strings.Join(m.MatchingLabels, ", ") + ")", Feeds: feeds})
						}
					}
				}
			}
			if len(m.Include) > 0 {
				one, clause := n.RHS, "group_left"
				if m.Card == parser.CardOneToMany {
					one, clause = n.LHS, "group_right"
				}
				for _, l := range m.Include {
					if feeds, made := Feeds(one, l); !made && len(feeds) > 0 {
						out = append(out, LabelUse{Node: n, Label: l, Clause: clause + " (" + strings.Join(m.Include, ", ") + ")", Feeds: feeds})
					}
				}
			}
		}
		return nil
	})
	return out
}

// Feeds returns the selectors under e whose series a label of e's result
// comes from; made says e makes the label itself (label_replace,
// label_join, count_values), so that no series needs to carry it.
func Feeds(e parser.Node, label string) (feeds []*parser.VectorSelector, made bool) {
	switch n := e.(type) {
	case *parser.VectorSelector:
		return []*parser.VectorSelector{n}, false
	case *parser.MatrixSelector:
		return Feeds(n.VectorSelector, label)
	case *parser.ParenExpr:
		return Feeds(n.Expr, label)
	case *parser.UnaryExpr:
		return Feeds(n.Expr, label)
	case *parser.SubqueryExpr:
		return Feeds(n.Expr, label)
	case *parser.StepInvariantExpr:
		return Feeds(n.Expr, label)
	case *parser.NumberLiteral, *parser.StringLiteral:
		return nil, false
	case *parser.Call:
		switch n.Func.Name {
		case "label_replace", "label_join":
			if dst, ok := n.Args[1].(*parser.StringLiteral); ok && dst.Val == label {
				return nil, true
			}
			return Feeds(n.Args[0], label)
		case "absent", "absent_over_time", "vector", "time", "scalar":
			return nil, false
		}
		for _, a := range n.Args {
			if a.Type() == parser.ValueTypeVector || a.Type() == parser.ValueTypeMatrix {
				f, made := Feeds(a, label)
				if made {
					return nil, true
				}
				feeds = append(feeds, f...)
			}
		}
		return feeds, false
	case *parser.AggregateExpr:
		switch {
		case n.Op == parser.COUNT_VALUES:
			if s, ok := n.Param.(*parser.StringLiteral); ok && s.Val == label {
				return nil, true
			}
		case n.Op == parser.TOPK || n.Op == parser.BOTTOMK || n.Op == parser.LIMITK || n.Op == parser.LIMIT_RATIO:
			return Feeds(n.Expr, label)
		}
		if n.Without != slices.Contains(n.Grouping, label) {
			return Feeds(n.Expr, label)
		}
		return nil, false // aggregated away: the offline checks say so
	case *parser.BinaryExpr:
		if n.LHS.Type() == parser.ValueTypeScalar {
			return Feeds(n.RHS, label)
		}
		if n.RHS.Type() == parser.ValueTypeScalar {
			return Feeds(n.LHS, label)
		}
		m := n.VectorMatching
		switch {
		case n.Op == parser.LOR:
			l, lm := Feeds(n.LHS, label)
			r, rm := Feeds(n.RHS, label)
			return append(l, r...), lm || rm
		case m != nil && m.Card == parser.CardOneToMany:
			if slices.Contains(m.Include, label) {
				return Feeds(n.LHS, label)
			}
			return Feeds(n.RHS, label)
		case m != nil && m.Card == parser.CardManyToOne && slices.Contains(m.Include, label):
			return Feeds(n.RHS, label)
		}
		return Feeds(n.LHS, label)
	}
	return nil, false
}

// MissingLabels reports the label uses whose selectors all match series on
// the server, none of which carries the label. Selectors that match
// nothing, or that skip names, say nothing here (MissingSelectors reports
// them). The uses of one label at one node (both sides of an on) that
// lack it are one finding, naming the selectors of each.
func (p *Prober) MissingLabels(ctx context.Context, uses []LabelUse, skip Skip) ([]Finding, error) {
	var out []Finding
	var names []string // of the finding being built: the selectors without the label
	for i, u := range uses {
		missing, err := p.missingLabel(ctx, u, skip)
		if err != nil {
			return nil, err
		}
		names = append(names, missing...)
		if next := i + 1; next < len(uses) && uses[next].Node == u.Node && uses[next].Label == u.Label && uses[next].Clause == u.Clause {
			continue
		}
		if len(names) > 0 {
			out = append(out, Finding{Node: u.Node, Label: u.Label, Msg: fmt.Sprintf("%s reads label %q, which no series of %s carries on %s",
				u.Clause, u.Label, strings.Join(names, ", "), p.c.Name())})
		}
		names = nil
	}
	return out, nil
}

// missingLabel returns the selectors of u, when they match series on the
// server and none of those carries u's label; nil when some carries it, or
// none matches.
func (p *Prober) missingLabel(ctx context.Context, u LabelUse, skip Skip) ([]string, error) {
	matched := 0
	var names []string
	for _, vs := range u.Feeds {
		if skip != nil && vs.Name != "" && skip(vs.Name) {
			return nil, nil
		}
		st, err := p.Selector(ctx, vs)
		if err != nil {
			return nil, err
		}
		if !st.Matches {
			continue
		}
		matched++
		has, err := p.HasLabel(ctx, vs, u.Label)
		if err != nil {
			return nil, err
		}
		if has {
			return nil, nil
		}
		names = append(names, vs.String())
	}
	if matched == 0 {
		return nil, nil
	}
	return names, nil
}
