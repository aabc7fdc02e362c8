// Package summary is what the checks across files keep of each file: a few
// names, positions and label flows a rule, in place of the file with its
// source, decoded rules and parsed expressions, which are let go once the
// file is checked. The summary of a file is worked out once, while it is
// loaded, for all the checks across files; a check that needs more of a
// file works its own part out and keeps it beside the summary (KeepWith).
package summary

import (
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/intern"
	"github.com/oomguard/oomguard/lint/labelflow"
	"github.com/oomguard/oomguard/rules"
)

// Summary is what the checks across files keep of a file.
type Summary struct {
	Path   string
	Groups []Group
	// Rules are the rules of every group, in the order of the file.
	Rules []Rule
}

// Group is a rule group.
type Group struct {
	Name string
	// Labels are the names of the group's labels.
	Labels *intern.Names
}

// Rule is an alerting or a recording rule.
type Rule struct {
	Group  int32 // index in Summary.Groups
	Alert  bool
	Parsed bool // whether the expression parses
	// Name is the alert's or the recorded name; Record is set for a
	// recording rule.
	Name   string
	Record string
	// NameSpan is the span of the alert or record name.
	NameSpan Span
	// Labels are the names of a recording rule's labels.
	Labels *intern.Names
	// Window is the longest range the expression looks back over.
	Window time.Duration
	// Flow is the expression as far as the labels of its result go.
	Flow *labelflow.Node
	// Selectors are the metric names the expression selects, in the order
	// parser.Inspect visits them, where the checks of recorded names may
	// report them: every one of a recording rule, and those with a colon
	// (recorded names, by the naming convention) of an alert.
	Selectors []Selector
}

// Selector is a metric name an expression selects, where it is written.
type Selector struct {
	Name string
	Span Span
}

// Pos is a rules.Pos in half the room.
type Pos struct{ line, col int32 }

// PosOf returns p in half the room.
func PosOf(p rules.Pos) Pos { return Pos{int32(p.Line), int32(p.Col)} }

// Pos returns the position.
func (p Pos) Pos() rules.Pos { return rules.Pos{Line: int(p.line), Col: int(p.col)} }

// Span is a engine.Span with its end worked out (engine.FileContext.Span), in
// half the room.
type Span struct{ start, end Pos }

// SpanOf returns sp, whose end is worked out, in half the room.
func SpanOf(sp engine.Span) Span { return Span{PosOf(sp.Start), PosOf(sp.End)} }

// Span returns the span.
func (s Span) Span() engine.Span { return engine.Span{Start: s.start.Pos(), End: s.end.Pos()} }

// Start returns where the span starts.
func (s Span) Start() rules.Pos { return s.start.Pos() }

type key struct{}

// Of returns the summary of the file being checked, worked out once for
// all the checks across files.
func Of(c *engine.FileContext) *Summary {
	return c.Memo(key{}, func() any { return summarize(c) }).(*Summary)
}

// Keep is the File function of a check across files that needs only the
// summaries.
func Keep(c *engine.FileContext) { c.Keep(Of(c)) }

// Part is the summary of a file with what a check works out of the file
// itself.
type Part[T any] struct {
	*Summary
	Own T
}

func (s *Summary) summary() *Summary { return s }

// KeepWith keeps the summary of the file being checked with own, the
// check's own part of the file.
func KeepWith[T any](c *engine.FileContext, own T) { c.Keep(Part[T]{Of(c), own}) }

// All returns the summaries the check kept (Keep or KeepWith), in the order
// of the files.
func All(c *engine.FilesContext) []*Summary {
	var out []*Summary
	for _, k := range c.Kept {
		if s, ok := k.(interface{ summary() *Summary }); ok {
			out = append(out, s.summary())
		}
	}
	return out
}

// Parts returns the parts the check kept with KeepWith, in the order of
// the files.
func Parts[T any](c *engine.FilesContext) []Part[T] {
	var out []Part[T]
	for _, k := range c.Kept {
		if p, ok := k.(Part[T]); ok {
			out = append(out, p)
		}
	}
	return out
}

func summarize(c *engine.FileContext) *Summary {
	f := c.File
	in := intern.New()
	flows := labelflow.NewBuilder(in)
	keys := func(m rules.Map) []string {
		var out []string
		for _, p := range m {
			out = append(out, p.Key.Value)
		}
		return out
	}
	s := &Summary{Path: f.Path, Rules: make([]Rule, 0, f.Rules())}
	var selectors []Selector
	for gi, g := range f.Groups() {
		s.Groups = append(s.Groups, Group{Name: g.Name.Value, Labels: in.Names(keys(g.Labels))})
		for _, r := range g.Rules {
			rs := Rule{Group: int32(gi), Name: r.Name(), Record: r.Record.Value, Alert: r.IsAlert(), Parsed: r.Parsed != nil}
			namePos := r.Record.Pos
			if rs.Alert {
				namePos = r.Alert.Pos
			}
			rs.NameSpan = SpanOf(c.Span(g, r, engine.At(namePos)))
			if rs.Record != "" {
				rs.Labels = in.Names(keys(r.Labels))
			}
			if r.Parsed != nil {
				rs.Flow = flows.Node(r.Parsed)
				flows.Forget()
				selectors = summarizeExpr(c, g, r, &rs, in, selectors[:0])
			}
			s.Rules = append(s.Rules, rs)
		}
	}
	return s
}

// summarizeExpr fills in the names a rule's expression selects and its
// longest window; selectors is room for the names while they are
// collected, returned for the next rule.
func summarizeExpr(c *engine.FileContext, g *rules.Group, r *rules.Rule, rs *Rule, in *intern.Interner, selectors []Selector) []Selector {
	at := c.File.Positions(r.Expr)
	astwalk.Inspect(r.Parsed, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			if name := metricName(n); !rs.Alert || strings.Contains(name, ":") {
				selectors = append(selectors, Selector{in.Str(name), ExprSpan(c, g, r, at, n)})
			}
		case *parser.MatrixSelector:
			rs.Window = max(rs.Window, n.Range)
		case *parser.SubqueryExpr:
			rs.Window = max(rs.Window, n.Range)
		}
		return nil
	})
	if len(selectors) > 0 {
		rs.Selectors = append([]Selector(nil), selectors...)
	}
	return selectors
}

// ExprSpan returns the span of node n of rule r's expression, whose
// positions at gives (rules.File.Positions).
func ExprSpan(c *engine.FileContext, g *rules.Group, r *rules.Rule, at func(int) rules.Pos, n parser.Node) Span {
	pr := n.PositionRange()
	start, end := int(pr.Start), int(pr.End)
	sp := engine.At(at(start))
	if start >= 0 && end >= start && end <= len(r.Expr.Value) {
		sp = engine.Span{Start: at(start), End: at(end)}
	}
	return SpanOf(c.Span(g, r, sp))
}

// Recorded is a recording rule with the group it is in.
type Recorded struct {
	Rule  *Rule
	Group *Group
}

type recordingKey struct{}

// RecordingRules maps a recorded name to the rules of the files that record
// it, in the order of the files; it is built once for all the checks
// across files.
func RecordingRules(c *engine.FilesContext) map[string][]Recorded {
	return c.Memo(recordingKey{}, func() any {
		out := map[string][]Recorded{}
		for _, s := range All(c) {
			for i := range s.Rules {
				r := &s.Rules[i]
				if r.Record != "" {
					out[r.Record] = append(out[r.Record], Recorded{r, &s.Groups[r.Group]})
				}
			}
		}
		return out
	}).(map[string][]Recorded)
}

// LabelSets returns label sets that follow the recording rules of the
// files. Each check has its own: they are not safe for use by several
// goroutines at once.
func LabelSets(c *engine.FilesContext) *labelflow.Sets {
	recorded := RecordingRules(c)
	return labelflow.NewSets(func(name string) []labelflow.Recording {
		rs := recorded[name]
		out := make([]labelflow.Recording, 0, len(rs))
		for _, rr := range rs {
			out = append(out, labelflow.Recording{Parsed: rr.Rule.Parsed, Flow: rr.Rule.Flow,
				GroupLabels: rr.Group.Labels.All(), RuleLabels: rr.Rule.Labels.All()})
		}
		return out
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
