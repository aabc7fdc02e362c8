package checks

import (
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/testfile"
	"github.com/oomguard/oomguard/rules"
)

// lookbackDelta is how far back an instant query looks for a sample, in
// Prometheus and in promtool's tests.
const lookbackDelta = 5 * time.Minute

// TestsEvalTimePastInput reports tests evaluated after their input series
// have ended.
var TestsEvalTimePastInput = &engine.Check{
	ID:       "tests/eval-time-past-input",
	Title:    "A unit test evaluated after its input series have ended",
	Severity: engine.Warning,
	Doc:      doc("tests/eval-time-past-input"),
	Test: func(c *engine.TestContext) {
		p := parser.NewParser(parser.Options{})
		// Alerts that can fire without data: on absent series, on time.
		withoutData := map[string]bool{}
		for _, f := range c.Rules {
			for _, g := range f.Groups() {
				for _, r := range g.Rules {
					if r.IsAlert() && (r.Parsed == nil || returnsWithoutData(r.Parsed)) {
						withoutData[r.Alert.Value] = true
					}
				}
			}
		}
		for _, g := range c.Test.Groups {
			last, known := time.Duration(-1), len(g.Series) > 0
			for _, s := range g.Series {
				_, values, err := p.ParseSeriesDesc("{} " + s.Values.Text)
				if err != nil {
					known = false
					break
				}
				for i, v := range values {
					if !v.Omitted {
						last = max(last, time.Duration(i)*g.Interval)
					}
				}
			}
			if !known || last < 0 {
				continue
			}
			check := func(at testfile.Duration) {
				if at.Text == "" || at.D <= last+lookbackDelta {
					return
				}
				c.Report(engine.Span{Start: at.Pos, End: rules.Pos{Line: at.Pos.Line, Col: at.Pos.Col + len([]rune(at.Text))}}, "",
					"eval_time %s is past the input series: their last sample is at %s, and Prometheus looks back %s, so the rules see no data and the expected results can never come",
					at.Text, model.Duration(last), model.Duration(lookbackDelta))
			}
			// A test that expects nothing may check just that: no data, no
			// alert. One that expects something of rules that need data
			// can never pass.
			for _, at := range g.Alerts {
				if at.Expected > 0 && !withoutData[at.Alertname.Text] {
					check(at.EvalTime)
				}
			}
			for _, et := range g.Exprs {
				if e, err := p.ParseExpr(et.Expr.Text); err == nil && len(et.Samples) > 0 && !returnsWithoutData(e) {
					check(et.EvalTime)
				}
			}
		}
	},
}

// returnsWithoutData reports whether an expression can return something
// when no series has data: it tests for absence, or reads the clock or
// numbers alone.
func returnsWithoutData(e parser.Expr) bool {
	found, selects := false, false
	astwalk.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			selects = true
		case *parser.Call:
			switch n.Func.Name {
			case "absent", "absent_over_time", "vector", "time":
				found = true
			}
		}
		return nil
	})
	return found || !selects
}
