// Package lint runs checks over loaded rules and collects diagnostics. A
// check is a declared value (Check) with a stable ID, a title, markdown
// documentation and a default severity; package checks holds them and its
// All is the only registry.
package lint

import (
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/oomguard/oomguard/lint/catalog"
	"github.com/oomguard/oomguard/rules"
)

// Severity of a diagnostic.
type Severity int

const (
	Info Severity = iota + 1
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "unknown"
}

// ParseSeverity reads info, warning or error.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "info":
		return Info, nil
	case "warning":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return 0, fmt.Errorf("unknown severity %q: use info, warning or error", s)
}

// Diagnostic is one finding.
type Diagnostic struct {
	File string
	Pos  rules.Pos
	// End is the position just after the text the finding is about (on
	// its last line); End equals Pos when the finding has no extent, such
	// as a file without rules.
	End      rules.Pos
	Group    string
	Rule     string
	Check    string
	Severity Severity
	Message  string
	// Hint says how to fix it, when there is a clear way.
	Hint string
	// Fix is the edit that resolves it, when one is safe to make without
	// a person (lint --fix); the zero Fix is none.
	Fix Fix
}

// Fix is a safe edit of a rule's expression: Expr.Value[Start:End] becomes
// New.
type Fix struct {
	Expr       rules.Str
	Start, End int
	New        string
}

// IsZero reports whether f is no fix.
func (f Fix) IsZero() bool { return f == Fix{} }

// Span is the text a finding is about: from Start to just before End. A
// zero End means the extent is not known and the engine finds it: the end
// of the YAML value that starts at Start, else Start itself.
type Span struct {
	Start, End rules.Pos
}

// At is the span of unknown extent at p.
func At(p rules.Pos) Span { return Span{Start: p} }

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s (%s)", d.File, d.Pos.Line, d.Pos.Col, d.Severity, d.Message, d.Check)
}

// Check is one lint check.
type Check struct {
	// ID is <category>/<name>, stable across releases.
	ID    string
	Title string
	// Doc is markdown: what the check finds, why it matters, an example.
	Doc      string
	Severity Severity
	// Rule runs once per rule; Files runs once over everything loaded.
	// A check sets one or both, or Loader.
	Rule  func(*RuleContext)
	Files func(*FilesContext)
	// Loader makes the check report what the loader found: LoaderErrors
	// for its errors, or the code of a loader warning (rules.Warn...).
	Loader string
}

// LoaderErrors is the Loader value of the check that reports the loader's
// errors (YAML, schema, PromQL, templates, durations, names).
const LoaderErrors = "errors"

// Config holds settings checks read.
type Config struct {
	// SeverityLabelValues are the allowed values of an alert's severity.
	SeverityLabelValues []string
	// RequiredAnnotations every alert must have.
	RequiredAnnotations []string
	// Severity overrides by check ID.
	Severity map[string]Severity
	// Disabled check IDs.
	Disabled map[string]bool
	// RuleSelector is the label selector of the Prometheus that should
	// load the PrometheusRules, or nil; RuleSelectorText is its text.
	RuleSelector     labels.Selector
	RuleSelectorText string
	// ScrapeInterval is Prometheus's scrape interval, which range windows
	// are measured against; MinScrapesPerWindow is how many of them a
	// window must cover.
	ScrapeInterval      time.Duration
	MinScrapesPerWindow int
	// MinFor is the shortest for an alert should wait; 0 turns
	// alerts/short-for off.
	MinFor time.Duration
	// EvaluationInterval is the global evaluation interval of the
	// Prometheus that runs the rules, for groups without an interval; 0
	// when not configured (the defaults of Prometheus and the Prometheus
	// Operator are assumed).
	EvaluationInterval time.Duration
	// Ignores are the suppressions of the config file.
	Ignores []Ignore
	// include and exclude are the file globs of the config (Selects).
	include, exclude []*regexp.Regexp
	// Metrics is the metric catalog: the built-in one with the entries of
	// the config file.
	Metrics *catalog.Catalog
}

// DefaultConfig is the configuration without a config file.
func DefaultConfig() *Config {
	return &Config{
		SeverityLabelValues: []string{"info", "warning", "critical"},
		RequiredAnnotations: []string{"summary", "description", "runbook_url"},
		ScrapeInterval:      30 * time.Second,
		MinScrapesPerWindow: 4,
		MinFor:              time.Minute,
		Metrics:             catalog.Default(),
	}
}

// RuleContext is what a per-rule check sees.
type RuleContext struct {
	File   *rules.File
	Group  *rules.Group
	Rule   *rules.Rule
	Config *Config
	report func(Span, string, string, Fix)
}

// Report records a finding at pos.
func (c *RuleContext) Report(pos rules.Pos, hint, format string, args ...any) {
	c.ReportSpan(At(pos), hint, format, args...)
}

// ReportSpan records a finding about the text of sp.
func (c *RuleContext) ReportSpan(sp Span, hint, format string, args ...any) {
	if !sp.Start.IsValid() {
		sp = At(c.Rule.Pos)
	}
	c.report(sp, hint, fmt.Sprintf(format, args...), Fix{})
}

// ReportFix records a finding about the text of sp with the edit of the
// rule's expression that resolves it: Value[start:end] of the expression
// becomes repl.
func (c *RuleContext) ReportFix(sp Span, start, end int, repl, hint, format string, args ...any) {
	if !sp.Start.IsValid() {
		sp = At(c.Rule.Pos)
	}
	c.report(sp, hint, fmt.Sprintf(format, args...), Fix{Expr: c.Rule.Expr, Start: start, End: end, New: repl})
}

// FilesContext is what a check over everything loaded sees.
type FilesContext struct {
	Files  []*rules.File
	Config *Config
	report func(*rules.File, *rules.Group, *rules.Rule, Span, string, string)
	memo   *memo
}

// Memo returns what make returns for key, computing it once per run for
// all the checks over everything, which may run at the same time: work
// that several checks need (reading manifests as kubectl does) is done
// once.
func (c *FilesContext) Memo(key any, make func() any) any {
	if c.memo == nil {
		return make()
	}
	return c.memo.get(key, make)
}

type memo struct {
	mu      sync.Mutex
	entries map[any]*memoEntry
}

type memoEntry struct {
	once sync.Once
	v    any
}

func (m *memo) get(key any, make func() any) any {
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[any]*memoEntry{}
	}
	e := m.entries[key]
	if e == nil {
		e = &memoEntry{}
		m.entries[key] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.v = make() })
	return e.v
}

// Report records a finding in file f, at pos, about rule r of group g
// (either may be nil).
func (c *FilesContext) Report(f *rules.File, g *rules.Group, r *rules.Rule, pos rules.Pos, hint, format string, args ...any) {
	c.report(f, g, r, At(pos), hint, fmt.Sprintf(format, args...))
}

// ReportSpan records a finding about the text of sp in file f, about rule
// r of group g (either may be nil).
func (c *FilesContext) ReportSpan(f *rules.File, g *rules.Group, r *rules.Rule, sp Span, hint, format string, args ...any) {
	c.report(f, g, r, sp, hint, fmt.Sprintf(format, args...))
}

// Run runs checks over files, per-rule checks of different files on all
// cores, and returns the diagnostics sorted by file, line, column and check,
// without duplicates.
func Run(files []*rules.File, loadErrs rules.ErrorList, checks []*Check, cfg *Config) []Diagnostic {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	var active []*Check
	for _, c := range checks {
		if !cfg.Disabled[c.ID] {
			active = append(active, c)
		}
	}
	severity := func(c *Check) Severity {
		if s, ok := cfg.Severity[c.ID]; ok {
			return s
		}
		return c.Severity
	}
	// Per-rule checks run on all cores, a group at a time; checks over
	// everything run beside them, each on its own, sharing a memo.
	type unit struct {
		f *rules.File
		g *rules.Group
	}
	var units []unit
	for _, f := range files {
		for _, g := range f.Groups() {
			units = append(units, unit{f, g})
		}
	}
	var filesChecks []*Check
	for _, c := range active {
		if c.Files != nil {
			filesChecks = append(filesChecks, c)
		}
	}
	results := make([][]Diagnostic, len(units)+len(filesChecks))
	m := &memo{}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range jobs {
				if i >= len(units) {
					c := filesChecks[i-len(units)]
					var out []Diagnostic
					ctx := &FilesContext{Files: files, Config: cfg, memo: m}
					ctx.report = func(f *rules.File, g *rules.Group, r *rules.Rule, sp Span, hint, msg string) {
						d := Diagnostic{File: f.Path, Pos: sp.Start, End: spanEnd(f, g, r, sp), Check: c.ID, Severity: severity(c), Message: msg, Hint: hint}
						if g != nil {
							d.Group = g.Name.Value
						}
						if r != nil {
							d.Rule = r.Name()
						}
						out = append(out, d)
					}
					c.Files(ctx)
					results[i] = out
					continue
				}
				f, g := units[i].f, units[i].g
				var out []Diagnostic
				for _, r := range g.Rules {
					for _, c := range active {
						if c.Rule == nil {
							continue
						}
						ctx := &RuleContext{File: f, Group: g, Rule: r, Config: cfg}
						ctx.report = func(sp Span, hint, msg string, fix Fix) {
							out = append(out, Diagnostic{File: f.Path, Pos: sp.Start, End: spanEnd(f, g, r, sp), Group: g.Name.Value, Rule: r.Name(),
								Check: c.ID, Severity: severity(c), Message: msg, Hint: hint, Fix: fix})
						}
						c.Rule(ctx)
					}
				}
				results[i] = out
			}
		})
	}
	// The checks over everything first: they are the longest.
	for i := range filesChecks {
		jobs <- len(units) + i
	}
	for i := range units {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var all []Diagnostic
	byLoader := map[string]*Check{}
	for _, c := range active {
		if c.Loader != "" {
			byLoader[c.Loader] = c
		}
	}
	fromLoader := func(e *rules.Error, code string) {
		if c := byLoader[code]; c != nil {
			all = append(all, Diagnostic{File: e.File, Pos: e.Pos, End: e.Pos, Check: c.ID, Severity: severity(c), Message: e.Msg})
		}
	}
	for _, e := range loadErrs {
		fromLoader(e, LoaderErrors)
	}
	for _, f := range files {
		for _, w := range f.Warnings {
			fromLoader(w, w.Code)
		}
	}
	for _, r := range results {
		all = append(all, r...)
	}
	if c := byLoader[Suppressions]; c != nil {
		all = suppress(files, all, cfg.Ignores, c, severity(c))
	} else {
		all = suppress(files, all, cfg.Ignores, nil, 0)
	}
	return Sort(all)
}

// Sort orders diagnostics by file, line, column and check and removes
// duplicates.
func Sort(ds []Diagnostic) []Diagnostic {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Pos != b.Pos {
			return a.Pos.Less(b.Pos)
		}
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		return a.Message < b.Message
	})
	out := ds[:0]
	for i, d := range ds {
		if i > 0 && d == ds[i-1] {
			continue
		}
		out = append(out, d)
	}
	return out
}
