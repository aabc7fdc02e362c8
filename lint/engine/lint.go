// Package engine runs checks over loaded rules and collects diagnostics,
// and is the pipeline of a lint run (Inputs): load, mixin relocation,
// --since, baseline, --fix rounds, sorting, source lines. A check is a
// declared value (Check) with a stable ID, a title, markdown documentation
// and a default severity; package checks holds them and its All is the only
// registry. Package lint, above it, is the API commands use.
package engine

import (
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/oomguard/oomguard/lint/catalog"
	"github.com/oomguard/oomguard/lint/matchers"
	"github.com/oomguard/oomguard/lint/testfile"
	"github.com/oomguard/oomguard/rules"
)

// Severity of a diagnostic.
type Severity int

const (
	Info Severity = iota + 1
	Warning
	Error
)

// Note is not a finding: a check says it did not analyse something, as a
// rule too complex for an analysis's budgets. Notes are below every
// severity --fail-on takes, are kept out of baselines, and only the text
// and json formats show them.
const Note Severity = -1

func (s Severity) String() string {
	switch s {
	case Note:
		return "note"
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
	// Policy marks a check of a team's conventions (names, required
	// annotations and labels) rather than of what is wrong: it runs only
	// when the config turns it on (Config.Enabled). The others, the
	// correctness checks, run unless turned off.
	Policy bool
	// Rule runs once per rule, and File once per file, while the file is
	// loaded. Files runs once at the end, over what File kept of every file
	// (FileContext.Keep): a check across files keeps the little it needs
	// of each file rather than the file, so that files are let go as soon
	// as they are checked. A check sets one or more of them, or Loader.
	Rule  func(*RuleContext)
	File  func(*FileContext)
	Files func(*FilesContext)
	// Test runs once per promtool unit-test file.
	Test func(*TestContext)
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
	// AlertNames and RecordNames are what alert and recorded names must
	// match, whole.
	AlertNames, RecordNames *regexp.Regexp
	// Severity overrides by check ID.
	Severity map[string]Severity
	// Disabled check IDs, and Enabled ones: a policy check runs only when
	// enabled.
	Disabled, Enabled map[string]bool
	// RuleSelector is the label selector of the Prometheus that should
	// load the PrometheusRules, or nil; RuleSelectorText is its text.
	RuleSelector     labels.Selector
	RuleSelectorText string
	// ScrapeInterval is Prometheus's scrape interval, which range windows
	// are measured against; MinScrapesPerWindow is how many of them a
	// window must cover.
	ScrapeInterval time.Duration
	// ScrapeIntervalSet says that the config sets ScrapeInterval; else it
	// is lint's assumption, kube-prometheus's 30s.
	ScrapeIntervalSet   bool
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
	// Scopes split the files linted into the rule sets of several
	// Prometheus servers: the checks across files look within a scope.
	// Files of no scope are a scope of their own.
	Scopes []Scope
	// Include and Exclude are the file globs of the config (Selects).
	Include, Exclude []Glob
	// Metrics is the metric catalog: the built-in one with the entries of
	// the config file.
	Metrics *catalog.Catalog
	// Budgets bound the analyses that can grow faster than a rule (the
	// config's lint.budgets); past them a check gives up on the rule with
	// a note. Zero fields are the defaults.
	Budgets matchers.Budgets
	// DuplicateComparisons bounds the earlier rules of its name and static
	// labels identity/duplicate-rule compares a rule with (0: its
	// default, 200).
	DuplicateComparisons int
	// Online are the servers of the online checks; nil offline.
	Online *Online
	// Backtest, when its Range is above 0, replays each alert over the
	// range on the servers (online/backtest).
	Backtest BacktestConfig
}

// DefaultConfig is the configuration without a config file.
func DefaultConfig() *Config {
	return &Config{
		SeverityLabelValues: []string{"info", "warning", "critical"},
		RequiredAnnotations: []string{"summary", "description", "runbook_url"},
		AlertNames:          DefaultAlertNames,
		RecordNames:         DefaultRecordNames,
		ScrapeInterval:      30 * time.Second,
		MinScrapesPerWindow: 4,
		MinFor:              time.Minute,
		Metrics:             catalog.Default(),
	}
}

// The default naming conventions: alert names in CamelCase, recorded names
// level:metric:operations.
var (
	DefaultAlertNames  = regexp.MustCompile(`^[A-Z][a-zA-Z0-9]*$`)
	DefaultRecordNames = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$`)
)

// Runs reports whether check c runs under the config: not disabled, and
// enabled if it is a policy check.
func (cfg *Config) Runs(c *Check) bool {
	return !cfg.Disabled[c.ID] && (!c.Policy || cfg.Enabled[c.ID])
}

// RuleContext is what a per-rule check sees.
type RuleContext struct {
	File   *rules.File
	Group  *rules.Group
	Rule   *rules.Rule
	Config *Config
	report func(Span, string, string, Fix)
	memo   *memo
}

// Memo returns what make returns for key, computing it once per file for
// all the checks of the file, of its rules and of the file itself (the
// same as FileContext.Memo): work several checks need of a rule is done
// once.
func (c *RuleContext) Memo(key any, make func() any) any {
	if c.memo == nil {
		return make()
	}
	return c.memo.get(key, make)
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

// FileContext is what a check sees of one file, while it is loaded.
type FileContext struct {
	File   *rules.File
	Config *Config
	report func(*rules.Group, *rules.Rule, Span, string, string)
	memo   *memo
	kept   any
}

// Report records a finding in the file, at pos, about rule r of group g
// (either may be nil).
func (c *FileContext) Report(g *rules.Group, r *rules.Rule, pos rules.Pos, hint, format string, args ...any) {
	c.report(g, r, At(pos), hint, fmt.Sprintf(format, args...))
}

// ReportSpan records a finding about the text of sp in the file, about
// rule r of group g (either may be nil).
func (c *FileContext) ReportSpan(g *rules.Group, r *rules.Rule, sp Span, hint, format string, args ...any) {
	c.report(g, r, sp, hint, fmt.Sprintf(format, args...))
}

// Span returns sp as a finding about rule r of group g (either may be
// nil) would cover it: with its end worked out when sp has none. A check
// across files keeps the spans it may report in that form, for the files
// are gone when it reports.
func (c *FileContext) Span(g *rules.Group, r *rules.Rule, sp Span) Span {
	return Span{Start: sp.Start, End: spanEnd(c.File, g, r, sp)}
}

// Keep records what the check's Files function is to see of the file:
// Files sees it in FilesContext.Kept, once every file has been checked.
func (c *FileContext) Keep(v any) { c.kept = v }

// Memo returns what make returns for key, computing it once per file for
// all the checks of the file, which may run at the same time: work that
// several checks need (reading manifests as kubectl does) is done once.
func (c *FileContext) Memo(key any, make func() any) any {
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

// TestContext is what a check of unit-test files sees of one.
type TestContext struct {
	Test *testfile.File
	// Rules are the rule files its rule_files name, as loaded; Missing
	// the entries that name no file.
	Rules   []*rules.File
	Missing []testfile.Value
	Config  *Config
	report  func(Span, string, string)
}

// Report records a finding about the text of sp in the test file.
func (c *TestContext) Report(sp Span, hint, format string, args ...any) {
	c.report(sp, hint, fmt.Sprintf(format, args...))
}

// FilesContext is what a check across files sees once every file has been
// checked and let go.
type FilesContext struct {
	// Kept holds what the check's File function kept of each file
	// (FileContext.Keep), in the order of the files; nil for a file it
	// kept nothing of.
	Kept   []any
	Config *Config
	report func(file, group, rule string, sp Span, hint, msg string)
	raise  func(sev Severity, file, group, rule string, sp Span, hint, msg string)
	note   func(file, group, rule string, sp Span, msg string)
	memo   *memo
}

// ReportSeverity records a finding as ReportSpan does, at severity sev
// when sev is above the check's (as configured): a check whose finding
// is worse past a threshold (an alert that fires too often).
func (c *FilesContext) ReportSeverity(sev Severity, file, group, rule string, sp Span, hint, format string, args ...any) {
	c.raise(sev, file, group, rule, sp, hint, fmt.Sprintf(format, args...))
}

// Memo returns what make returns for key, computing it once for all the
// checks across files, which run at the same time: an index that several
// of them build from what they kept (the recording rules by name) is built
// once. Only checks that keep the same of each file may share a key.
func (c *FilesContext) Memo(key any, make func() any) any {
	if c.memo == nil {
		return make()
	}
	return c.memo.get(key, make)
}

// ReportSpan records a finding about the text of sp in file, about a rule
// of a group (either may be ""). sp is as FileContext.Span returned it
// while the file was loaded; without an end, the finding ends where it
// starts.
func (c *FilesContext) ReportSpan(file, group, rule string, sp Span, hint, format string, args ...any) {
	c.report(file, group, rule, sp, hint, fmt.Sprintf(format, args...))
}

// TooComplex notes that the check did not analyse a rule of file: it was
// too complex for the analysis's budgets. No finding is made of it; the
// note says so (Note).
func (c *FilesContext) TooComplex(file, group, rule string, sp Span, format string, args ...any) {
	c.note(file, group, rule, sp, "not analysed, too complex: "+fmt.Sprintf(format, args...))
}

// Run runs checks over files and returns the diagnostics sorted by file,
// line, column and check, without duplicates.
func Run(files []*rules.File, loadErrs rules.ErrorList, checks []*Check, cfg *Config) []Diagnostic {
	l := NewLinter(checks, cfg)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := range next {
				l.Add(i, files[i], nil)
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	l.Add(len(files), nil, loadErrs)
	return l.Finish()
}

// Linter runs checks file by file, so that each file can be let go once
// it is checked: Add runs the checks of rules and of a file over one file,
// and keeps of it what the checks across files need; Finish runs those.
type Linter struct {
	cfg         *Config
	testChecks  []*Check // with a Test function
	ruleChecks  []*Check // with a Rule function
	fileChecks  []*Check // with a File function
	filesChecks []*Check // with a Files function
	byLoader    map[string]*Check

	mu    sync.Mutex
	added map[int]*added
	// evaluated are the files of evaluated mixins by path, to move the
	// findings across files in them to their jsonnet.
	evaluated map[string]*rules.File
	// scopes are those of the config, then those AddScope adds.
	scopes []Scope
}

// added is what Add keeps of a file.
type added struct {
	path   string       // the file's, "" for errors alone
	loader []Diagnostic // from the loader's errors and warnings
	checks []Diagnostic // from the checks of rules and of the file
	kept   map[*Check]any
	supp   *fileSuppressions
}

// NewLinter returns a Linter of the checks cfg does not disable; a nil cfg
// is DefaultConfig.
func NewLinter(checks []*Check, cfg *Config) *Linter {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	l := &Linter{cfg: cfg, byLoader: map[string]*Check{}, added: map[int]*added{}, evaluated: map[string]*rules.File{}, scopes: slices.Clone(cfg.Scopes)}
	for _, c := range checks {
		if !cfg.Runs(c) {
			continue
		}
		if c.Rule != nil {
			l.ruleChecks = append(l.ruleChecks, c)
		}
		if c.Test != nil {
			l.testChecks = append(l.testChecks, c)
		}
		if c.File != nil {
			l.fileChecks = append(l.fileChecks, c)
		}
		if c.Files != nil {
			l.filesChecks = append(l.filesChecks, c)
		}
		if c.Loader != "" {
			l.byLoader[c.Loader] = c
		}
	}
	return l
}

func (l *Linter) severity(c *Check) Severity {
	if s, ok := l.cfg.Severity[c.ID]; ok {
		return s
	}
	return c.Severity
}

// Add checks file f, the i-th input (checks across files see the files in
// the order of i), and the errors errs the loader found in it; f may be nil
// for errors alone. The findings in an evaluated mixin (a file with an
// Origin) are moved to its jsonnet. Add may be called from several goroutines at once; it
// keeps nothing of f but what the checks across files need, and runs the
// checks of rules on all cores, a group at a time, beside the checks of the
// file.
func (l *Linter) Add(i int, f *rules.File, errs rules.ErrorList) {
	a := &added{}
	fromLoader := func(e *rules.Error, code string) {
		if c := l.byLoader[code]; c != nil {
			a.loader = append(a.loader, Diagnostic{File: e.File, Pos: e.Pos, End: e.Pos, Check: c.ID, Severity: l.severity(c), Message: e.Msg})
		}
	}
	for _, e := range errs {
		fromLoader(e, LoaderErrors)
	}
	if f != nil {
		a.path = f.Path
		for _, w := range f.Warnings {
			if w.Code == rules.WarnSkippedDocument && len(f.Docs) > 0 && !mayHoldRules(kindAt(f.Line(w.Pos.Line))) && !docHasGroups(f, w.Pos.Line) {
				// A Deployment beside a PrometheusRule in one file: only
				// a document that may be meant to hold rules is worth a
				// word.
				continue
			}
			fromLoader(w, w.Code)
		}
		a.checks, a.kept = l.check(f)
		supp := suppressionsOf(f)
		a.supp = &supp
		if f.Origin != nil {
			relocate(f, a.loader)
			relocate(f, a.checks)
		}
	}
	l.mu.Lock()
	l.added[i] = a
	if f != nil && f.Origin != nil {
		l.evaluated[f.Path] = f
	}
	l.mu.Unlock()
}

// AddTest checks t, the i-th input, a promtool unit-test file; loaded are
// the rule files its rule_files name, as loaded, and missing the entries
// that name no file.
func (l *Linter) AddTest(i int, t *testfile.File, loaded []*rules.File, missing []testfile.Value) {
	a := &added{path: t.Path}
	for _, c := range l.testChecks {
		ctx := &TestContext{Test: t, Rules: loaded, Missing: missing, Config: l.cfg}
		ctx.report = func(sp Span, hint, msg string) {
			end := sp.End
			if !end.IsValid() {
				end = sp.Start
			}
			a.checks = append(a.checks, Diagnostic{File: t.Path, Pos: sp.Start, End: end, Check: c.ID, Severity: l.severity(c), Message: msg, Hint: hint})
		}
		c.Test(ctx)
	}
	l.mu.Lock()
	l.added[i] = a
	l.mu.Unlock()
}

// check runs the checks of rules and of the file over f and returns their
// diagnostics, the file's first, and what the checks across files keep of
// it.
func (l *Linter) check(f *rules.File) ([]Diagnostic, map[*Check]any) {
	groups := f.Groups()
	results := make([][]Diagnostic, len(l.fileChecks)+len(groups))
	contexts := make([]*FileContext, len(l.fileChecks))
	m := &memo{}
	run := func(i int) {
		var out []Diagnostic
		if i < len(l.fileChecks) {
			c := l.fileChecks[i]
			ctx := &FileContext{File: f, Config: l.cfg, memo: m}
			ctx.report = func(g *rules.Group, r *rules.Rule, sp Span, hint, msg string) {
				d := Diagnostic{File: f.Path, Pos: sp.Start, End: spanEnd(f, g, r, sp), Check: c.ID, Severity: l.severity(c), Message: msg, Hint: hint}
				if g != nil {
					d.Group = g.Name.Value
				}
				if r != nil {
					d.Rule = r.Name()
				}
				out = append(out, d)
			}
			c.File(ctx)
			contexts[i] = ctx
			results[i] = out
			return
		}
		// One context for every check of every rule of the group.
		g := groups[i-len(l.fileChecks)]
		var c *Check
		ctx := &RuleContext{File: f, Group: g, Config: l.cfg, memo: m}
		ctx.report = func(sp Span, hint, msg string, fix Fix) {
			out = append(out, Diagnostic{File: f.Path, Pos: sp.Start, End: spanEnd(f, g, ctx.Rule, sp), Group: g.Name.Value, Rule: ctx.Rule.Name(),
				Check: c.ID, Severity: l.severity(c), Message: msg, Hint: hint, Fix: fix})
		}
		for _, r := range g.Rules {
			ctx.Rule = r
			for _, c = range l.ruleChecks {
				c.Rule(ctx)
			}
		}
		results[i] = out
	}
	// On all cores, the checks of the file first: they are the longest.
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(results)) {
		wg.Go(func() {
			for i := range jobs {
				run(i)
			}
		})
	}
	for i := range results {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var all []Diagnostic
	for _, r := range results {
		all = append(all, r...)
	}
	kept := map[*Check]any{}
	for i, c := range l.fileChecks {
		if c.Files != nil && contexts[i].kept != nil {
			kept[c] = contexts[i].kept
		}
	}
	return all, kept
}

// Finish runs the checks across files over what Add kept of each file and
// returns every diagnostic, sorted by file, line, column and check, without
// duplicates.
func (l *Linter) Finish() []Diagnostic {
	var order []int
	for i := range l.added {
		order = append(order, i)
	}
	sort.Ints(order)
	// The checks across files, each on its own, at the same time, once a
	// scope.
	scopes := l.scopesOf(order)
	results := make([][]Diagnostic, len(l.filesChecks)*len(scopes))
	var wg sync.WaitGroup
	for s, scope := range scopes {
		m := &memo{}
		for k, c := range l.filesChecks {
			r := &results[s*len(l.filesChecks)+k]
			wg.Go(func() {
				ctx := &FilesContext{Config: l.cfg, memo: m}
				for _, i := range scope {
					ctx.Kept = append(ctx.Kept, l.added[i].kept[c])
				}
				ctx.raise = func(sev Severity, file, group, rule string, sp Span, hint, msg string) {
					end := sp.End
					if !end.IsValid() {
						end = sp.Start
					}
					*r = append(*r, Diagnostic{File: file, Pos: sp.Start, End: end, Group: group, Rule: rule,
						Check: c.ID, Severity: max(sev, l.severity(c)), Message: msg, Hint: hint})
				}
				ctx.report = func(file, group, rule string, sp Span, hint, msg string) {
					ctx.raise(0, file, group, rule, sp, hint, msg)
				}
				ctx.note = func(file, group, rule string, sp Span, msg string) {
					end := sp.End
					if !end.IsValid() {
						end = sp.Start
					}
					*r = append(*r, Diagnostic{File: file, Pos: sp.Start, End: end, Group: group, Rule: rule,
						Check: c.ID, Severity: Note, Message: msg})
				}
				c.Files(ctx)
			})
		}
	}
	wg.Wait()
	var all []Diagnostic
	var supps []fileSuppressions
	for _, i := range order {
		all = append(all, l.added[i].loader...)
	}
	for _, i := range order {
		a := l.added[i]
		all = append(all, a.checks...)
		if a.supp != nil {
			supps = append(supps, *a.supp)
		}
	}
	for _, r := range results {
		for i := range r {
			if f := l.evaluated[r[i].File]; f != nil {
				relocate(f, r[i:i+1])
			}
		}
		all = append(all, r...)
	}
	if c := l.byLoader[Suppressions]; c != nil {
		all = suppress(supps, all, l.cfg.Ignores, c, l.severity(c))
	} else {
		all = suppress(supps, all, l.cfg.Ignores, nil, 0)
	}
	return Sort(all)
}

// AddScope adds a scope to those of the config: the rule files a unit-test
// file or a Prometheus configuration loads (absolute paths). A scope with
// the paths of one already there is not added again.
func (l *Linter) AddScope(s Scope) {
	for _, have := range l.scopes {
		if slices.Equal(have.Paths, s.Paths) && len(have.Files) == 0 && len(s.Files) == 0 {
			return
		}
	}
	l.scopes = append(l.scopes, s)
}

// scopesOf returns the files of each scope, as indexes in the order given:
// those each scope holds, then those of no scope (or of shared scopes
// only); all the files when there is no scope. A file may be in several
// scopes.
func (l *Linter) scopesOf(order []int) [][]int {
	if len(l.scopes) == 0 {
		return [][]int{order}
	}
	out := make([][]int, len(l.scopes)+1)
	for _, i := range order {
		alone := true
		path := l.added[i].path
		for s := range l.scopes {
			if path != "" && l.scopes[s].has(path) {
				out[s] = append(out[s], i)
				alone = alone && l.scopes[s].Shared
			}
		}
		if alone {
			out[len(l.scopes)] = append(out[len(l.scopes)], i)
		}
	}
	return out
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
