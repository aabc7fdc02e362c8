package checks

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/engine"
)

// PromqlShortWindow reports range windows that cover too few scrapes.
var PromqlShortWindow = &engine.Check{
	ID:       "promql/short-window",
	Title:    "A range window that covers too few scrape intervals",
	Severity: engine.Warning,
	Doc:      doc("promql/short-window"),
	Rule: func(c *engine.RuleContext) {
		probers := c.Config.Online.Probers(c.File.Path)
		inspectCalls(c.Rule.Parsed, func(call *parser.Call) {
			name := call.Func.Name
			if !windowFunctions[name] && !(strings.HasSuffix(name, "_over_time") && !oneSampleFunctions[name]) {
				return
			}
			for _, a := range call.Args {
				ms, ok := unparen(a).(*parser.MatrixSelector)
				if !ok || ms.Range <= 0 {
					continue
				}
				iv, n := c.Config.ScrapeInterval, c.Config.MinScrapesPerWindow
				interval := "the configured scrapeInterval " + model.Duration(iv).String()
				if !c.Config.ScrapeIntervalSet {
					interval = "an assumed scrape interval of " + model.Duration(iv).String() + " (kube-prometheus's; set yours as scrapeInterval in .oomguard.yaml)"
				}
				// Online, the interval the servers measure, the longest
				// of them, over the configured one.
				if vs, ok := ms.VectorSelector.(*parser.VectorSelector); ok {
					for _, p := range probers {
						if m, err := p.Interval(c.Config.Online.Ctx(), vs); err == nil && m > 0 && (m > iv || !strings.HasPrefix(interval, "the scrape interval measured")) {
							iv = m
							interval = "the scrape interval measured on " + p.Client().Name() + ", " + model.Duration(m).String()
						}
					}
				}
				least := time.Duration(n) * iv
				if ms.Range >= least {
					continue
				}
				covers := strconv.FormatFloat(float64(ms.Range)/float64(iv), 'g', 3, 64) + " scrape intervals"
				if ms.Range == iv {
					covers = "1 scrape interval"
				}
				want := model.Duration(least).String()
				c.ReportSpan(exprSpan(c.File, c.Rule, ms), "use ["+want+"] or longer",
					"%s() over [%s] covers %s at %s: one missed scrape leaves it too few samples; use at least [%s] (%d intervals)",
					name, model.Duration(ms.Range), covers, interval, want, n)
			}
		})
	},
}

var windowFunctions = map[string]bool{
	"rate": true, "irate": true, "increase": true, "delta": true, "idelta": true,
	"deriv": true, "predict_linear": true, "resets": true, "changes": true,
}

// oneSampleFunctions are the *_over_time functions right with one sample.
var oneSampleFunctions = map[string]bool{
	"last_over_time": true, "first_over_time": true, "present_over_time": true, "absent_over_time": true,
	// The highest or lowest value is one value: right with one sample.
	"max_over_time": true, "min_over_time": true,
	"ts_of_last_over_time": true, "ts_of_first_over_time": true,
}
