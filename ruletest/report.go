package ruletest

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/util/junitxml"
)

// TextOptions choose what WriteText adds to the failures.
type TextOptions struct {
	// Coverage lists, per rule file, the rules no assertion exercised.
	Coverage bool
	// Evaluation says, per test group, how many rules were left out,
	// evaluated over the whole range and step by step, and why each of
	// the last.
	Evaluation bool
}

// WriteText writes the report for people, with the rules no assertion
// exercised if withCoverage (see TextOptions.Write).
func WriteText(w io.Writer, r *Report, withCoverage bool) error {
	return TextOptions{Coverage: withCoverage}.Write(w, r)
}

// Write writes the report for people: a line per test file, the failures
// of each failed group with what differs, then a summary. It holds no
// timings, so the same run writes the same bytes.
func (o TextOptions) Write(w io.Writer, r *Report) error {
	var b strings.Builder
	for _, f := range r.Files {
		for _, warn := range f.Warnings {
			fmt.Fprintf(&b, "WARN  %s: %s\n", f.Path, warn)
		}
		switch {
		case f.Err != nil:
			fmt.Fprintf(&b, "FAIL  %s: cannot run: %v\n", f.Path, f.Err)
			continue
		case !f.Failed():
			fmt.Fprintf(&b, "PASS  %s (%s)\n", f.Path, groupCount(len(f.Groups)))
		default:
			failed := 0
			for _, g := range f.Groups {
				if g.Failed() {
					failed++
				}
			}
			fmt.Fprintf(&b, "FAIL  %s: %d of %s failed\n", f.Path, failed, groupCount(len(f.Groups)))
		}
		for _, g := range f.Groups {
			if o.Evaluation {
				writeEvaluation(&b, g)
			}
			if !g.Failed() {
				continue
			}
			fmt.Fprintf(&b, "  group %s (tests[%d]):\n", g.Name, g.Index)
			for _, fl := range g.Failures {
				fmt.Fprintf(&b, "    %s\n", indent(fl.headline(), "    "))
				if fl.Diff != "" {
					fmt.Fprintf(&b, "      %s\n", indent(fl.Diff, "      "))
				}
				if fl.Diff != "" {
					fmt.Fprintf(&b, "      %s\n", indent(fl.Message, "      "))
				}
			}
		}
		if o.Coverage {
			for _, fc := range f.Coverage {
				ex, total := fc.Covered()
				fmt.Fprintf(&b, "  coverage of %s: %d of %d rules exercised (%s)\n", fc.Path, ex, total, percent(ex, total))
				for _, rc := range fc.Rules {
					if !rc.Exercised {
						fmt.Fprintf(&b, "    not exercised: %s %s (group %s, line %d)\n", rc.Kind, rc.Name, rc.Group, rc.Line)
					}
				}
			}
		}
	}
	passed, failed := r.Counts()
	fmt.Fprintf(&b, "oomguard test: %s passed, %d failed\n", groupCount(passed), failed)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeEvaluation says how a group's rules were evaluated.
func writeEvaluation(b *strings.Builder, g *GroupReport) {
	if len(g.StepByStep) == 1 && g.StepByStep[0].Rule == "" {
		fmt.Fprintf(b, "  evaluation of group %s (tests[%d]): %s left out, the others step by step: %s\n",
			g.Name, g.Index, ruleCount(g.LeftOut), g.StepByStep[0].Reason)
		return
	}
	fmt.Fprintf(b, "  evaluation of group %s (tests[%d]): %s left out, %d over the whole range, %d step by step\n",
		g.Name, g.Index, ruleCount(g.LeftOut), g.Ranged, len(g.StepByStep))
	for _, s := range g.StepByStep {
		fmt.Fprintf(b, "    step by step: %s (rule group %s): %s\n", s.Rule, s.RuleGroup, s.Reason)
	}
}

func ruleCount(n int) string {
	if n == 1 {
		return "1 rule"
	}
	return fmt.Sprintf("%d rules", n)
}

func groupCount(n int) string {
	if n == 1 {
		return "1 test group"
	}
	return fmt.Sprintf("%d test groups", n)
}

func percent(n, total int) string {
	if total == 0 {
		return "no rules"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}

// headline is the first line of a failure.
func (f *Failure) headline() string {
	switch f.Kind {
	case FailAlert:
		return fmt.Sprintf("alert %s at %s: firing alerts differ", f.Alertname, fmtDuration(f.EvalTime))
	case FailExpr:
		if f.Diff == "" {
			return fmt.Sprintf("expr %q at %s: %s", f.Expr, fmtDuration(f.EvalTime), f.Message)
		}
		return fmt.Sprintf("expr %q at %s: samples differ", f.Expr, fmtDuration(f.EvalTime))
	}
	return f.Message
}

func fmtDuration(d time.Duration) string { return model.Duration(d).String() }

// Coverage returns the share of rules exercised over every rule file of
// the report, and whether there was any rule.
func (r *Report) Coverage() (float64, bool) {
	ex, total := 0, 0
	seen := map[string]bool{}
	for _, f := range r.Files {
		for _, fc := range f.Coverage {
			if seen[fc.Path] {
				// A rule file read by several test files counts once,
				// with the rules any of them exercised.
				continue
			}
			seen[fc.Path] = true
			e, t := coveredAcross(r, fc.Path)
			ex += e
			total += t
		}
	}
	if total == 0 {
		return 0, false
	}
	return float64(ex) / float64(total), true
}

func coveredAcross(r *Report, path string) (exercised, total int) {
	var merged []bool
	for _, f := range r.Files {
		for _, fc := range f.Coverage {
			if fc.Path != path {
				continue
			}
			if merged == nil {
				merged = make([]bool, len(fc.Rules))
			}
			for i, rc := range fc.Rules {
				if i < len(merged) && rc.Exercised {
					merged[i] = true
				}
			}
		}
	}
	for _, m := range merged {
		if m {
			exercised++
		}
	}
	return exercised, len(merged)
}

type jsonReport struct {
	Passed int        `json:"passed"`
	Failed int        `json:"failed"`
	Files  []jsonFile `json:"files"`
}

type jsonFile struct {
	Path       string          `json:"path"`
	Error      string          `json:"error,omitempty"`
	Warnings   []string        `json:"warnings,omitempty"`
	DurationMS float64         `json:"duration_ms"`
	Groups     []jsonGroup     `json:"groups"`
	Coverage   []*FileCoverage `json:"coverage,omitempty"`
}

type jsonGroup struct {
	Name       string        `json:"name"`
	Index      int           `json:"index"`
	Passed     bool          `json:"passed"`
	DurationMS float64       `json:"duration_ms"`
	Failures   []jsonFailure `json:"failures,omitempty"`
	// How the rules were evaluated (see GroupReport).
	LeftOut    int          `json:"rules_left_out"`
	Ranged     int          `json:"rules_over_range"`
	StepByStep []StepByStep `json:"step_by_step,omitempty"`
}

type jsonFailure struct {
	Kind      string `json:"kind"`
	EvalTime  string `json:"eval_time,omitempty"`
	Alertname string `json:"alertname,omitempty"`
	Expr      string `json:"expr,omitempty"`
	Message   string `json:"message"`
	Diff      string `json:"diff,omitempty"`
}

// WriteJSON writes the report as JSON, timings included.
func WriteJSON(w io.Writer, r *Report) error {
	passed, failed := r.Counts()
	out := jsonReport{Passed: passed, Failed: failed, Files: []jsonFile{}}
	for _, f := range r.Files {
		jf := jsonFile{Path: f.Path, Warnings: f.Warnings, DurationMS: ms(f.Duration), Groups: []jsonGroup{}, Coverage: f.Coverage}
		if f.Err != nil {
			jf.Error = f.Err.Error()
		}
		for _, g := range f.Groups {
			jg := jsonGroup{Name: g.Name, Index: g.Index, Passed: !g.Failed(), DurationMS: ms(g.Duration),
				LeftOut: g.LeftOut, Ranged: g.Ranged, StepByStep: g.StepByStep}
			for _, fl := range g.Failures {
				jfl := jsonFailure{Kind: fl.Kind, Alertname: fl.Alertname, Expr: fl.Expr, Message: fl.Message, Diff: fl.Diff}
				if fl.Kind == FailAlert || fl.Kind == FailExpr || fl.Kind == FailEval {
					jfl.EvalTime = fmtDuration(fl.EvalTime)
				}
				jg.Failures = append(jg.Failures, jfl)
			}
			jf.Groups = append(jf.Groups, jg)
		}
		out.Files = append(out.Files, jf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// WriteJUnit writes the report in promtool's JUnit shape: a test suite per
// test file, a test case per test group, the failed assertions as its
// failures, and a file that could not run as an error.
func WriteJUnit(w io.Writer, r *Report, now time.Time) error {
	j := &junitxml.JUnitXML{}
	for _, f := range r.Files {
		s := j.Suite(f.Path)
		s.Settime(now.Format("2006-01-02T15:04:05"))
		if f.Err != nil {
			s.Abort(f.Err)
			continue
		}
		for _, g := range f.Groups {
			s.Case(g.Name)
			for _, fl := range g.Failures {
				msg := fl.Message
				if fl.Diff != "" {
					msg = fl.Diff + "\n" + msg
				}
				s.Fail(msg)
			}
		}
	}
	return j.WriteXML(w)
}
