package checks

import (
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/intern"
	"github.com/oomguard/oomguard/lint/labelflow"
	"github.com/oomguard/oomguard/rules"
)

// TestsImpossibleSample reports expected samples of expression tests with
// labels the expression cannot return.
var TestsImpossibleSample = &engine.Check{
	ID:       "tests/impossible-sample",
	Title:    "A unit test expects a sample with labels its expression cannot return",
	Severity: engine.Warning,
	Doc:      doc("tests/impossible-sample"),
	Test: func(c *engine.TestContext) {
		p := parser.NewParser(parser.Options{})
		b := labelflow.NewBuilder(intern.New())
		// The recording rules of the test's rule files, for the labels of
		// the series they record.
		recorded := map[string][]labelflow.Recording{}
		for _, f := range c.Rules {
			for _, g := range f.Groups() {
				var groupLabels []string
				for _, kv := range g.Labels {
					groupLabels = append(groupLabels, kv.Key.Value)
				}
				for _, r := range g.Rules {
					if r.Record.Value == "" {
						continue
					}
					rec := labelflow.Recording{Parsed: r.Parsed != nil, GroupLabels: groupLabels}
					if r.Parsed != nil {
						rec.Flow = b.Node(r.Parsed)
						b.Forget()
					}
					for _, kv := range r.Labels {
						rec.RuleLabels = append(rec.RuleLabels, kv.Key.Value)
					}
					recorded[r.Record.Value] = append(recorded[r.Record.Value], rec)
				}
			}
		}
		sets := labelflow.NewSets(func(name string) []labelflow.Recording { return recorded[name] })
		for _, g := range c.Test.Groups {
			for _, et := range g.Exprs {
				e, err := p.ParseExpr(et.Expr.Text)
				if err != nil {
					continue
				}
				result := sets.Of(b.Node(e))
				b.Forget()
				if _, closed := result.Labels(); !closed {
					continue
				}
				for _, s := range et.Samples {
					ls, err := p.ParseMetric(s.Text)
					if err != nil {
						continue
					}
					var extra []string
					ls.Range(func(l labels.Label) {
						if l.Name != model.MetricNameLabel && !result.CanHave(l.Name) && !slices.Contains(extra, l.Name) {
							extra = append(extra, l.Name)
						}
					})
					if len(extra) == 0 {
						continue
					}
					c.Report(engine.Span{Start: s.Pos, End: rules.Pos{Line: s.Pos.Line, Col: s.Pos.Col + len([]rune(s.Text))}}, "",
						"the expected sample %s has %s, which the expression does not return (%s): the test can never pass",
						s.Text, strings.Join(extra, ", "), result.Why(extra[0]))
				}
			}
		}
	},
}
