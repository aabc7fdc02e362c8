package checks

import (
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/oomguard/oomguard/lint"
)

// AlertsShortFor reports alerts that fire on a single evaluation.
var AlertsShortFor = &lint.Check{
	ID:       "alerts/short-for",
	Title:    "An alert without for, or with a for shorter than the minimum",
	Severity: lint.Info,
	Doc: `Without ` + "`for`" + `, an alert fires at the first evaluation its expression returns
a series: one spike of a gauge, one slow scrape, one restart is enough. A
` + "`for`" + ` of a few minutes makes it wait until the condition has held that long.
The minimum is 1m; set it in ` + "`.oomguard.yaml`" + ` (` + "`0s`" + ` turns the check off):

` + "```yaml" + `
lint:
  minFor: 5m
` + "```" + `

An alert whose expression already looks back over a window at least that
long (` + "`increase(kube_pod_container_status_restarts_total[10m]) > 0`" + `) is not
reported: the window smooths the blips, and for an event a ` + "`for`" + ` only delays
the alert. Neither are alerts without a selector (` + "`vector(1)`" + `), ` + "`absent()`" + `
alerts, which ` + "`alerts/absent-without-for`" + ` covers, age checks on ` + "`time()`" + `
(` + "`time() - kube_job_status_start_time > 43200`" + ` stays true once true), and alerts
on ` + "`ALERTS`" + `, whose alerts already waited.

A recorded series (a name with colons) brings the windows of the recording
rules that record it, in any of the files linted, and of those they read in
turn: ` + "`instance:node_vmstat_oom_kill:increase5m > 0`" + ` is not reported when its
rule takes ` + "`increase(node_vmstat_oom_kill[5m])`" + `. Recording rules outside the
files linted are not seen.`,
	File: keepSummary,
	Files: func(c *lint.FilesContext) {
		least := time.Minute
		if c.Config != nil {
			least = c.Config.MinFor
		}
		if least <= 0 {
			return
		}
		sums := summaries(c)
		w := &recordedWindows{rules: recordingRulesOf(c), memo: map[string]time.Duration{}, visiting: map[string]bool{}}
		hint := "add for: " + model.Duration(least).String() + " or longer"
		for _, s := range sums {
			for i := range s.rules {
				r := &s.rules[i]
				// The alerts whose for is short, but those that select
				// nothing or that the check leaves alone.
				if r.shortFor == nil || w.of(r) >= least {
					continue
				}
				c.ReportSpan(s.path, s.groups[r.group].name, r.name, r.shortFor.span.span(), hint, "%s", r.shortFor.msg)
			}
		}
	},
}

// recordedWindows finds the longest range window an expression looks back
// over, its own or one of the recording rules that record the series it
// reads (names with colons), followed from rule to rule.
type recordedWindows struct {
	rules    map[string][]recordingRule
	memo     map[string]time.Duration
	visiting map[string]bool
	// cut is set when a cycle of recording rules was cut short: what was
	// found since may lack the windows of the rules cut off.
	cut bool
}

// of returns the longest window of a rule's expression.
func (w *recordedWindows) of(r *ruleSummary) time.Duration {
	window := r.window
	for _, sel := range r.selectors {
		if strings.Contains(sel.name, ":") {
			window = max(window, w.recorded(sel.name))
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
		if rr.rule.parsed {
			window = max(window, w.of(rr.rule))
		}
	}
	delete(w.visiting, name)
	if !w.cut {
		w.memo[name] = window
	}
	w.cut = w.cut || outer
	return window
}
