package checks

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

// summary is what the checks across files (alerts/short-for,
// dependencies/*, identity/duplicate-rule, labels/template-dropped-label,
// promql/join-dropped-label) keep of a file: a few names and positions a
// rule, in place of the file with its source, decoded rules and parsed
// expressions, which are let go once the file is checked. It is worked out
// once per file, for all of them, while the file is loaded.
type summary struct {
	path   string
	groups []groupSummary
	// rules are the rules of every group, in the order of the file.
	rules []ruleSummary
}

type groupSummary struct {
	name string
	// labels are the names of the group's labels.
	labels *names
}

type ruleSummary struct {
	group  int32 // index in summary.groups
	alert  bool
	parsed bool // whether the expression parses
	name   string
	record string
	// nameSpan is the alert or record name's.
	nameSpan span32
	// staticKey is ruleKey's part for the rule's static labels, and
	// static their names.
	staticKey string
	static    *names
	// outputs is what identity/duplicate-rule compares of the series the
	// expression returns.
	outputs *outputs
	// labels are the names of a recording rule's labels.
	labels *names
	// window is the longest range the expression looks back over.
	window time.Duration
	// flow is the expression as far as the labels of its result go.
	flow *flowNode
	// sites are the joins and aggregations by labels of the expression
	// that promql/join-dropped-label checks, in the order parser.Inspect
	// visits them.
	sites []flowSite
	// selectors are the metric names the expression selects, in the
	// order parser.Inspect visits them, where the checks of recorded names
	// may report them: every one of a recording rule, and those with a
	// colon (recorded names, by the naming convention) of an alert.
	selectors []selectorRef
	// refs are the labels the templates of an alert read from $labels.
	refs []templateRef
	// shortFor is what alerts/short-for reports of an alert whose for is
	// short, unless its windows are long enough; nil for the others.
	shortFor *shortForFinding
}

// key is ruleKey's.
func (r *ruleSummary) key() string {
	kind := "recording rule"
	if r.alert {
		kind = "alert"
	}
	return kind + "\x00" + r.name + r.staticKey
}

type selectorRef struct {
	name string
	span span32
}

// templateRef is a label a template of an alert's label or annotation
// reads.
type templateRef struct {
	annotation bool // of an annotation, not a label
	key        string
	label      string
	span       span32
}

func (t templateRef) what() string {
	if t.annotation {
		return "annotation"
	}
	return "label"
}

type shortForFinding struct {
	span span32
	msg  string
}

// pos32 is a rules.Pos in half the room.
type pos32 struct{ line, col int32 }

func toPos32(p rules.Pos) pos32 { return pos32{int32(p.Line), int32(p.Col)} }
func (p pos32) pos() rules.Pos  { return rules.Pos{Line: int(p.line), Col: int(p.col)} }

// span32 is a lint.Span with its end worked out (lint.FileContext.Span),
// in half the room.
type span32 struct{ start, end pos32 }

func toSpan32(sp lint.Span) span32 { return span32{toPos32(sp.Start), toPos32(sp.End)} }
func (s span32) span() lint.Span {
	return lint.Span{Start: s.start.pos(), End: s.end.pos()}
}

// names is a list of label names, shared by the parts of the file that
// have the same.
type names struct{ list []string }

func (n *names) all() []string {
	if n == nil {
		return nil
	}
	return n.list
}

type summaryKey struct{}

// summaryOf returns the summary of the file being checked, worked out once
// for all the checks across files.
func summaryOf(c *lint.FileContext) *summary {
	return c.Memo(summaryKey{}, func() any { return summarize(c) }).(*summary)
}

// keepSummary is the File function of the checks across files.
func keepSummary(c *lint.FileContext) { c.Keep(summaryOf(c)) }

// summaries returns the summaries the check kept, in the order of the files.
func summaries(c *lint.FilesContext) []*summary {
	var out []*summary
	for _, k := range c.Kept {
		if s, ok := k.(*summary); ok {
			out = append(out, s)
		}
	}
	return out
}

// interner keeps one copy of each name, list of names and part of a label
// flow or of outputs of a file: they repeat from rule to rule, and a name
// kept from a parsed expression would keep the whole text of the
// expression alive.
type interner struct {
	strs    map[string]string
	lists   map[string]*names
	nodes   map[flowNode]*flowNode
	joins   map[joinMatching]*joinMatching
	outputs map[string]*outputs
}

func newInterner() *interner {
	return &interner{strs: map[string]string{}, lists: map[string]*names{},
		nodes: map[flowNode]*flowNode{}, joins: map[joinMatching]*joinMatching{}, outputs: map[string]*outputs{}}
}

func (in *interner) str(s string) string {
	if v, ok := in.strs[s]; ok {
		return v
	}
	s = strings.Clone(s)
	in.strs[s] = s
	return s
}

func (in *interner) names(ls []string) *names {
	if len(ls) == 0 {
		return nil
	}
	key := strings.Join(ls, "\x00")
	if n, ok := in.lists[key]; ok {
		return n
	}
	n := &names{list: make([]string, len(ls))}
	for i, l := range ls {
		n.list[i] = in.str(l)
	}
	in.lists[in.str(key)] = n
	return n
}

func (in *interner) node(n flowNode) *flowNode { return intern(in.nodes, n) }

func (in *interner) join(j joinMatching) *joinMatching { return intern(in.joins, j) }

// intern returns the copy of v that m keeps, keeping v when m has none.
func intern[T comparable](m map[T]*T, v T) *T {
	if p, ok := m[v]; ok {
		return p
	}
	m[v] = &v
	return &v
}

func summarize(c *lint.FileContext) *summary {
	f := c.File
	in := newInterner()
	keys := func(m rules.Map) []string {
		var out []string
		for _, p := range m {
			out = append(out, p.Key.Value)
		}
		return out
	}
	least := time.Minute
	if c.Config != nil {
		least = c.Config.MinFor
	}
	s := &summary{path: f.Path, rules: make([]ruleSummary, 0, f.Rules())}
	var scratch summaryScratch
	for gi, g := range f.Groups() {
		s.groups = append(s.groups, groupSummary{name: g.Name.Value, labels: in.names(keys(g.Labels))})
		for _, r := range g.Rules {
			static := staticLabels(g, r)
			staticNames := make([]string, 0, len(static))
			for l := range static {
				staticNames = append(staticNames, l)
			}
			slices.Sort(staticNames)
			rs := ruleSummary{group: int32(gi), name: r.Name(), record: r.Record.Value, alert: r.IsAlert(), parsed: r.Parsed != nil,
				staticKey: in.str(staticKey(static)), static: in.names(staticNames)}
			namePos := r.Record.Pos
			if rs.alert {
				namePos = r.Alert.Pos
			}
			rs.nameSpan = toSpan32(c.Span(g, r, lint.At(namePos)))
			if rs.record != "" {
				rs.labels = in.names(keys(r.Labels))
			}
			if r.Parsed != nil {
				summarizeExpr(c, g, r, &rs, in, &scratch)
				if rs.alert && least > 0 && time.Duration(r.For.D) < least {
					rs.shortFor = shortForOf(c, g, r, least)
				}
			}
			s.rules = append(s.rules, rs)
		}
	}
	return s
}

// summaryScratch holds the lists of a rule while they are collected, so
// that each rule keeps lists of the size it needs.
type summaryScratch struct {
	sites     []flowSite
	selectors []selectorRef
	refs      []templateRef
	matched   []string // the labels of the matchers
	nodes     map[parser.Expr]*flowNode
}

// summarizeExpr fills in what the checks across files need of a rule's
// expression: its label flow with the places it is checked, the names it
// selects, its windows, the labels its templates read and what it returns,
// with the spans they may report.
func summarizeExpr(c *lint.FileContext, g *rules.Group, r *rules.Rule, rs *ruleSummary, in *interner, sc *summaryScratch) {
	at := c.File.Positions(r.Expr)
	// As exprSpan, with the expression lined up with the source once.
	span := func(n parser.Node) span32 {
		pr := n.PositionRange()
		return toSpan32(c.Span(g, r, spanAt(at, r.Expr.Value, int(pr.Start), int(pr.End))))
	}
	if sc.nodes == nil {
		sc.nodes = map[parser.Expr]*flowNode{}
	}
	clear(sc.nodes)
	b := &flowBuilder{nodes: sc.nodes, in: in}
	rs.flow = b.node(r.Parsed)
	sites, selectors, refs, matched := sc.sites[:0], sc.selectors[:0], sc.refs[:0], sc.matched[:0]
	parser.Inspect(r.Parsed, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			if name := metricName(n); !rs.alert || strings.Contains(name, ":") {
				selectors = append(selectors, selectorRef{in.str(name), span(n)})
			}
			for _, m := range n.LabelMatchers {
				matched = append(matched, m.Name)
			}
		case *parser.MatrixSelector:
			rs.window = max(rs.window, n.Range)
		case *parser.SubqueryExpr:
			rs.window = max(rs.window, n.Range)
		case *parser.BinaryExpr:
			if n.VectorMatching == nil || n.LHS.Type() == parser.ValueTypeScalar || n.RHS.Type() == parser.ValueTypeScalar {
				return nil
			}
			sites = append(sites, flowSite{node: b.node(n), lhs: span(n.LHS), rhs: span(n.RHS)})
		case *parser.AggregateExpr:
			if n.Without || len(n.Grouping) == 0 {
				return nil
			}
			sites = append(sites, flowSite{node: b.node(n), lhs: span(n.Expr)})
		}
		return nil
	})
	if rs.alert {
		for _, m := range []struct {
			pairs      rules.Map
			annotation bool
		}{{r.Labels, false}, {r.Annotations, true}} {
			for _, p := range m.pairs {
				at := c.File.Positions(p.Value)
				for _, ref := range templateLabelRefs(p.Value.Value) {
					refs = append(refs, templateRef{annotation: m.annotation, key: in.str(p.Key.Value), label: in.str(ref.label),
						span: toSpan32(c.Span(g, r, lint.Span{Start: at(ref.offset), End: at(ref.end)}))})
				}
			}
		}
	}
	slices.Sort(matched)
	rs.outputs = outputsOf(r.Parsed, slices.Compact(matched), in)
	rs.sites, rs.selectors, rs.refs = exact(sites), exact(selectors), exact(refs)
	sc.sites, sc.selectors, sc.refs, sc.matched = sites, selectors, refs, matched
}

// shortForOf returns what alerts/short-for reports of an alert whose for is
// shorter than least, unless its windows are long enough; nil when the
// alert is not for it: it selects nothing, or it is an absent() alert, an
// age check on time() or an alert on ALERTS.
func shortForOf(c *lint.FileContext, g *rules.Group, r *rules.Rule, least time.Duration) *shortForFinding {
	selects, exempt := false, false
	parser.Inspect(r.Parsed, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			selects = true
			if metricName(n) == "ALERTS" {
				exempt = true
			}
		case *parser.Call:
			switch n.Func.Name {
			case "absent", "absent_over_time", "time":
				exempt = true
			}
		}
		return nil
	})
	if !selects || exempt {
		return nil
	}
	if !r.For.Present {
		return &shortForFinding{toSpan32(c.Span(g, r, lint.At(r.Alert.Pos))),
			fmt.Sprintf("alert %q has no for: it fires at the first evaluation that matches, on a single spike or scrape glitch", r.Alert.Value)}
	}
	return &shortForFinding{toSpan32(c.Span(g, r, lint.At(r.For.Pos))),
		fmt.Sprintf("alert %q waits only for: %s, less than %s: it fires on a single spike or scrape glitch", r.Alert.Value, r.For.Value, model.Duration(least))}
}

// exact returns a copy of s of its length, or nil.
func exact[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}
