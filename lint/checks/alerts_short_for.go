package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/summary"
	"github.com/oomguard/oomguard/rules"
)

// AlertsShortFor reports alerts that fire on a single evaluation.
var AlertsShortFor = &engine.Check{
	ID:       "alerts/short-for",
	Title:    "An alert without for, or with a for shorter than the minimum",
	Severity: engine.Info,
	Policy:   true,
	Doc:      doc("alerts/short-for"),
	File: func(c *engine.FileContext) {
		summary.KeepWith(c, shortForsOf(c))
	},
	Files: func(c *engine.FilesContext) {
		least := c.Config.MinFor
		if least <= 0 {
			return
		}
		w := &recordedWindows{rules: summary.RecordingRules(c), memo: map[string]time.Duration{}, visiting: map[string]bool{}}
		hint := "add for: " + model.Duration(least).String() + " or longer"
		for _, p := range summary.Parts[[]shortFor](c) {
			for _, sf := range p.Own {
				// The alerts whose for is short, unless their windows are
				// long enough.
				r := &p.Rules[sf.rule]
				if w.of(r) >= least {
					continue
				}
				c.ReportSpan(p.Path, p.Groups[r.Group].Name, r.Name, sf.span.Span(), hint, "%s", sf.msg)
			}
		}
	},
}

// shortFor is what alerts/short-for reports of an alert whose for is short,
// unless its windows are long enough.
type shortFor struct {
	rule int32 // index in summary.Summary.Rules
	span summary.Span
	msg  string
}

// shortForsOf returns the alerts of the file whose for is shorter than the
// minimum, but those the check leaves alone: alerts that select nothing,
// absent() alerts, age checks on time() and alerts on ALERTS.
func shortForsOf(c *engine.FileContext) []shortFor {
	least := c.Config.MinFor
	if least <= 0 {
		return nil
	}
	var out []shortFor
	i := int32(-1)
	for _, g := range c.File.Groups() {
		for _, r := range g.Rules {
			i++
			if !r.IsAlert() || r.Parsed == nil || time.Duration(r.For.D) >= least || !forMatters(r) {
				continue
			}
			if !r.For.Present {
				out = append(out, shortFor{i, summary.SpanOf(c.Span(g, r, engine.At(r.Alert.Pos))),
					fmt.Sprintf("alert %q has no for: it fires at the first evaluation that matches, on a single spike or scrape glitch", r.Alert.Value)})
				continue
			}
			out = append(out, shortFor{i, summary.SpanOf(c.Span(g, r, engine.At(r.For.Pos))),
				fmt.Sprintf("alert %q waits only for: %s, less than %s: it fires on a single spike or scrape glitch", r.Alert.Value, r.For.Value, model.Duration(least))})
		}
	}
	return out
}

// forMatters reports whether an alert's for is for the check: it selects
// series, and it is not an absent() alert, an age check on time() or an
// alert on ALERTS.
func forMatters(r *rules.Rule) bool {
	selects, exempt := false, false
	astwalk.Inspect(r.Parsed, func(n parser.Node, _ []parser.Node) error {
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
	return selects && !exempt
}

// recordedWindows finds the longest range window an expression looks back
// over, its own or one of the recording rules that record the series it
// reads (names with colons), followed from rule to rule.
type recordedWindows struct {
	rules    map[string][]summary.Recorded
	memo     map[string]time.Duration
	visiting map[string]bool
	// cut is set when a cycle of recording rules was cut short: what was
	// found since may lack the windows of the rules cut off.
	cut bool
}

// of returns the longest window of a rule's expression.
func (w *recordedWindows) of(r *summary.Rule) time.Duration {
	window := r.Window
	for _, sel := range r.Selectors {
		if strings.Contains(sel.Name, ":") {
			window = max(window, w.recorded(sel.Name))
		}
	}
	return window
}

// recorded returns the longest window of the rules that record name.
func (w *recordedWindows) recorded(name string) time.Duration {
	if d, ok := w.memo[name]; ok {
		return d
	}
	if w.visiting[name] {
		w.cut = true
		return 0
	}
	w.visiting[name] = true
	outer := w.cut
	w.cut = false
	var window time.Duration
	for _, rr := range w.rules[name] {
		if rr.Rule.Parsed {
			window = max(window, w.of(rr.Rule))
		}
	}
	delete(w.visiting, name)
	if !w.cut {
		w.memo[name] = window
	}
	w.cut = w.cut || outer
	return window
}
