package ruletest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/rules"
)

// Options control a run.
type Options struct {
	// Stdin is read for a test file named "-"; its rule files are found
	// relative to the current directory.
	Stdin io.Reader
	// Run selects test groups by name: a group runs when any of these
	// regular expressions matches its name. Empty runs every group.
	Run []string
	// Diff shows differences of alerts as a diff (promtool's --diff).
	// oomguard always shows the closest mismatch; Diff adds the full
	// expected and got lists.
	Diff bool
	// Debug writes a dump of every series after each test group to
	// DebugOut.
	Debug    bool
	DebugOut io.Writer
	// IgnoreUnknownFields accepts unknown keys in rule files.
	IgnoreUnknownFields bool
	// Features are promtool's --enable-feature values.
	Features []string
	// Compat turns off the checks promtool does not make: a rule file
	// with no rule, a rule_files glob that matches nothing, a document of
	// another kind, an alertname no rule defines.
	Compat bool
	// Jobs is the number of test groups run at once; 0 means one per
	// core.
	Jobs int
	// Limits bound the work of a test group; a group over them fails
	// before it runs.
	Limits Limits
	// Load bounds what the loader reads of the test files and the rule
	// files: file size, expressions, YAML aliases (its IgnoreUnknownFields
	// and Parser are set by the run).
	Load rules.Options
	// Exhaustive evaluates every rule at every step, as promtool does,
	// instead of leaving out the rules no assertion reads that provably
	// cannot fail (see prune). Verdicts are the same either way.
	Exhaustive bool
	// Progress, when set, is told how many of the test groups to run are
	// done: once when the test files are read, then after each group, one
	// call at a time.
	Progress func(done, total int)
}

// Report is the outcome of a run, file by file in the order given.
type Report struct {
	Files []*FileReport
}

// Failed reports whether any test failed or any file could not be run.
func (r *Report) Failed() bool {
	for _, f := range r.Files {
		if f.Failed() {
			return true
		}
	}
	return false
}

// Counts returns the number of test groups that passed and failed; a file
// that could not run counts as one failure.
func (r *Report) Counts() (passed, failed int) {
	for _, f := range r.Files {
		if f.Err != nil {
			failed++
			continue
		}
		for _, g := range f.Groups {
			if g.Failed() {
				failed++
			} else {
				passed++
			}
		}
	}
	return passed, failed
}

// FileReport is the outcome of one test file.
type FileReport struct {
	Path string
	// Err is set when the file could not be run at all: it does not
	// parse, or its settings are invalid.
	Err      error
	Warnings []string
	Groups   []*GroupReport
	Coverage []*FileCoverage
	Duration time.Duration

	prepared *preparedFile
}

// Failed reports whether the file could not run or a group failed.
func (f *FileReport) Failed() bool {
	if f.Err != nil {
		return true
	}
	for _, g := range f.Groups {
		if g.Failed() {
			return true
		}
	}
	return false
}

// GroupReport is the outcome of one test group.
type GroupReport struct {
	// Name is the group's name, or unnamed#N as promtool calls it.
	Name     string
	Index    int
	Failures []*Failure
	Duration time.Duration
	// LeftOut is the number of rules not evaluated because no assertion
	// reads them and they cannot fail (see prune).
	LeftOut int
	// Ranged is the number of rules evaluated over the whole range at
	// once; StepByStep the rules evaluated at every step instead, and
	// why (see passes). With --exhaustive and --debug, every rule is
	// evaluated step by step, and neither is set.
	Ranged     int
	StepByStep []StepByStep
}

// Failed reports whether the group failed.
func (g *GroupReport) Failed() bool { return len(g.Failures) > 0 }

// Failure kinds.
const (
	FailLoad  = "load"  // input series or rule files could not be loaded
	FailEval  = "eval"  // a rule failed to evaluate
	FailAlert = "alert" // alerts differ from the expected ones
	FailExpr  = "expr"  // an expression's result differs
	FailCheck = "check" // a test that would pass in silence
	FailLimit = "limit" // a test group over the limits on its work
)

// Failure is one failed assertion or one error of a test group.
type Failure struct {
	Kind      string
	EvalTime  time.Duration
	Alertname string
	Expr      string
	// Message says what went wrong, promtool's way where promtool has
	// one.
	Message string
	// Diff points at the difference between expected and got.
	Diff string
}

var knownFeatures = map[string]bool{
	"promql-unquoted-utf8-names":      true,
	"promql-experimental-functions":   true,
	"promql-delayed-name-removal":     true,
	"promql-duration-expr":            true, // always on: no-op
	"promql-extended-range-selectors": true, // always on: no-op
	"promql-binop-fill-modifiers":     true,
}

// config is what a run derives from its Options once.
type config struct {
	opts   Options
	run    *regexp.Regexp
	parser parser.Parser
	// engineParser is the engine's: parser, with each expression parsed
	// once per run.
	engineParser   parser.Parser
	delayedNameRem bool
	limits         Limits
	rules          *ruleCache
	src            source
}

func newConfig(src source, opts Options) (*config, error) {
	c := &config{opts: opts, src: src, limits: opts.Limits.withDefaults()}
	if len(opts.Run) > 0 {
		re, err := regexp.Compile(strings.Join(opts.Run, "|"))
		if err != nil {
			return nil, fmt.Errorf("--run: %w", err)
		}
		c.run = re
	}
	var po parser.Options
	for _, f := range opts.Features {
		for o := range strings.SplitSeq(f, ",") {
			if o != "" && !knownFeatures[o] {
				return nil, fmt.Errorf("--enable-feature: unknown feature %q", o)
			}
			switch o {
			case "promql-unquoted-utf8-names":
				po.EnableUnquotedUTF8Names = true
			case "promql-experimental-functions":
				po.EnableExperimentalFunctions = true
			case "promql-delayed-name-removal":
				c.delayedNameRem = true
			case "promql-binop-fill-modifiers":
				po.EnableBinopFillModifiers = true
			}
		}
	}
	c.parser = parser.NewParser(po)
	c.engineParser = newCachingParser(c.parser)
	load := opts.Load
	load.IgnoreUnknownFields = opts.IgnoreUnknownFields
	load.Parser = c.parser
	c.rules = &ruleCache{src: src, files: map[string]*ruleFile{}, opts: load, limits: c.templateLimits}
	return c, nil
}

// Run runs the test files at paths on disk, and the rule files they name.
// It returns an error only when the options are invalid; everything that
// goes wrong in a file is in the report, which names files by their paths.
func Run(paths []string, opts Options) (*Report, error) {
	return run(disk{stdin: opts.Stdin}, paths, opts)
}

// RunFS runs the test files at paths in fsys, and the rule files they name
// in fsys (relative to the test file, as on disk): a caller that holds its
// tests and rules in memory runs them without writing them out. The report
// names files by their names in fsys.
func RunFS(fsys fs.FS, paths []string, opts Options) (*Report, error) {
	return run(fsSource{fsys}, paths, opts)
}

func run(src source, paths []string, opts Options) (*Report, error) {
	c, err := newConfig(src, opts)
	if err != nil {
		return nil, err
	}
	report := &Report{}
	var jobs []*groupJob
	for _, p := range paths {
		fr, fileJobs := c.prepareFile(p)
		report.Files = append(report.Files, fr)
		jobs = append(jobs, fileJobs...)
	}

	workers := opts.Jobs
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobs))
	var progressMu sync.Mutex
	done := 0
	progress := func(n int) {
		if opts.Progress != nil {
			progressMu.Lock()
			done += n
			opts.Progress(done, len(jobs))
			progressMu.Unlock()
		}
	}
	progress(0)
	next := make(chan *groupJob)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range next {
				start := time.Now()
				j.report.Failures = j.run(c)
				j.report.Duration = time.Since(start)
				progress(1)
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()

	for _, fr := range report.Files {
		for _, g := range fr.Groups {
			fr.Duration += g.Duration
		}
	}
	for _, j := range jobs {
		if j.debug != "" && opts.Debug && opts.DebugOut != nil {
			fmt.Fprint(opts.DebugOut, j.debug)
		}
	}
	for _, fr := range report.Files {
		if fr.Err == nil {
			fr.Coverage = coverage(fr)
		}
	}
	return report, nil
}

// groupJob is one test group to run.
type groupJob struct {
	file      *preparedFile
	group     testGroup
	report    *GroupReport
	debug     string
	exercised []string // alert and record names the assertions read
}

// preparedFile is a test file with its rule files loaded.
type preparedFile struct {
	path         string
	evalInterval time.Duration
	groupOrder   map[string]int
	fuzzy        bool
	ruleFiles    []*ruleFile
	// loadErrs fail every test group that runs, as promtool fails them
	// when its rules manager cannot load the files; limitErrs are
	// templates over the limits, which fail them too.
	loadErrs  []string
	limitErrs []string
	jobs      []*groupJob

	// The engines of the file's groups, made once: the engine of
	// promtool's tests, and one for range queries (see passes).
	engineOnce      sync.Once
	instant, ranged *promql.Engine
}

func (pf *preparedFile) engines(c *config) {
	pf.engineOnce.Do(func() {
		pf.instant = testEngine(c, pf.evalInterval, maxSamples, false)
		pf.ranged = testEngine(c, pf.evalInterval, rangeMaxSamples, true)
	})
}

func (pf *preparedFile) engine(c *config) *promql.Engine {
	pf.engines(c)
	return pf.instant
}

func (pf *preparedFile) rangeEngine(c *config) *promql.Engine {
	pf.engines(c)
	return pf.ranged
}

func (c *config) prepareFile(path string) (*FileReport, []*groupJob) {
	fr := &FileReport{Path: path}
	data, err := c.src.read(path, c.rules.opts)
	if err != nil {
		fr.Err = err
		return fr, nil
	}
	tf, err := parseTestFile(path, data)
	if err != nil {
		fr.Err = err
		return fr, nil
	}
	pf := &preparedFile{path: path, fuzzy: tf.FuzzyCompare, groupOrder: map[string]int{}}
	fr.prepared = pf
	pf.evalInterval = time.Duration(tf.EvaluationInterval)
	if pf.evalInterval == 0 {
		pf.evalInterval = time.Minute
	}
	for i, name := range tf.GroupEvalOrder {
		if _, dup := pf.groupOrder[name]; dup {
			fr.Err = fmt.Errorf("group name repeated in evaluation order: %s", name)
			return fr, nil
		}
		pf.groupOrder[name] = i
	}

	// Rule files: relative to the test file, globs expanded.
	for _, pattern := range tf.RuleFiles {
		pattern, matches, err := c.src.ruleFiles(path, pattern)
		if err != nil {
			fr.Err = fmt.Errorf("rule_files: %w", err)
			return fr, nil
		}
		if len(matches) == 0 {
			if c.opts.Compat {
				fr.Warnings = append(fr.Warnings, fmt.Sprintf("no file matches rule_files pattern %s", pattern))
			} else {
				pf.loadErrs = append(pf.loadErrs, fmt.Sprintf("no file matches rule_files pattern %s (--compat makes this a warning, as promtool does)", pattern))
			}
		}
		for _, m := range matches {
			rf := c.rules.load(m)
			pf.ruleFiles = append(pf.ruleFiles, rf)
			pf.loadErrs = append(pf.loadErrs, rf.errs...)
			pf.limitErrs = append(pf.limitErrs, rf.limitErrs...)
			if !c.opts.Compat {
				pf.loadErrs = append(pf.loadErrs, rf.strictErrs...)
			}
		}
	}

	for i, tg := range tf.Tests {
		if c.run != nil && !c.run.MatchString(tg.Name) {
			continue
		}
		name := tg.Name
		if name == "" {
			name = fmt.Sprintf("unnamed#%d", i)
		}
		if tg.Interval == 0 {
			tg.Interval = model.Duration(pf.evalInterval)
		}
		gr := &GroupReport{Name: name, Index: i}
		fr.Groups = append(fr.Groups, gr)
		job := &groupJob{file: pf, group: tg, report: gr}
		pf.jobs = append(pf.jobs, job)
	}
	if len(tf.Tests) > 0 && len(pf.jobs) == 0 {
		fr.Warnings = append(fr.Warnings, "no test group matches --run")
	}
	return fr, pf.jobs
}

// ruleCache loads each rule file once per run, whatever the number of test
// files and groups that read it.
type ruleCache struct {
	src   source
	mu    sync.Mutex
	files map[string]*ruleFile
	opts  rules.Options
	// limits checks the alert templates of a file against the limits.
	limits func(*rules.File) []string
}

// ruleFile is a loaded rule file, in the form Prometheus's rules manager
// takes it: one entry per document, so that groups of the same name in two
// PrometheusRules of one file stay apart, as the Prometheus Operator keeps
// them.
type ruleFile struct {
	path  string
	model *rules.File
	// ids and groups: rulefmt groups by loader identifier.
	ids    []string
	groups map[string]*rulefmt.RuleGroups
	exprs  map[string]parser.Expr
	// errs are what Prometheus would refuse too; strictErrs are what only
	// oomguard refuses (and --compat accepts).
	errs       []string
	strictErrs []string
	// limitErrs are its alert templates over the limits.
	limitErrs []string
}

func (c *ruleCache) load(path string) *ruleFile {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rf, ok := c.files[path]; ok {
		return rf
	}
	rf := &ruleFile{path: path, groups: map[string]*rulefmt.RuleGroups{}, exprs: map[string]parser.Expr{}}
	c.files[path] = rf
	data, err := c.src.read(path, c.opts)
	if err != nil {
		rf.errs = append(rf.errs, err.Error())
		return rf
	}
	f, errs := rules.Parse(path, data, c.opts)
	rf.model = f
	rf.limitErrs = c.limits(f)
	for _, e := range errs {
		rf.errs = append(rf.errs, e.Error())
	}
	for _, w := range f.Warnings {
		if w.Code == rules.WarnSkippedDocument {
			rf.strictErrs = append(rf.strictErrs, w.Error()+" (--compat ignores it)")
		}
	}
	if len(errs) == 0 && f.Rules() == 0 {
		rf.strictErrs = append(rf.strictErrs, fmt.Sprintf("%s: no rule in this file (--compat accepts it)", path))
	}
	for i, d := range f.Docs {
		id := path
		if len(f.Docs) > 1 {
			id = fmt.Sprintf("%s#%d", path, i+1)
		}
		rf.ids = append(rf.ids, id)
		rgs := &rulefmt.RuleGroups{}
		for _, g := range d.Groups {
			rgs.Groups = append(rgs.Groups, toRulefmt(g))
			for _, r := range g.Rules {
				if r.Parsed != nil {
					rf.exprs[r.Expr.Value] = r.Parsed
				}
			}
		}
		rf.groups[id] = rgs
	}
	return rf
}

func toRulefmt(g *rules.Group) rulefmt.RuleGroup {
	out := rulefmt.RuleGroup{
		Name:     g.Name.Value,
		Interval: g.Interval.D,
		Limit:    g.Limit.N,
		Labels:   g.Labels.Strings(),
	}
	if g.QueryOffset.Value != "" {
		qo := g.QueryOffset.D
		out.QueryOffset = &qo
	}
	for _, r := range g.Rules {
		out.Rules = append(out.Rules, rulefmt.Rule{
			Record:        r.Record.Value,
			Alert:         r.Alert.Value,
			Expr:          r.Expr.Value,
			For:           r.For.D,
			KeepFiringFor: r.KeepFiringFor.D,
			Labels:        r.Labels.Strings(),
			Annotations:   r.Annotations.Strings(),
		})
	}
	return out
}

// groupLoader serves rule groups from loaded files to the rules manager,
// and expressions already parsed, so nothing is read or parsed twice.
type groupLoader struct {
	byID   map[string]*rulefmt.RuleGroups
	exprs  []map[string]parser.Expr
	parser parser.Parser
}

func (l *groupLoader) Load(id string, _ bool, _ model.ValidationScheme) (*rulefmt.RuleGroups, []error) {
	if g, ok := l.byID[id]; ok {
		return g, nil
	}
	return nil, []error{fmt.Errorf("%s: not loaded", id)}
}

func (l *groupLoader) Parse(q string) (parser.Expr, error) {
	for _, m := range l.exprs {
		if e, ok := m[q]; ok {
			return e, nil
		}
	}
	return l.parser.ParseExpr(q)
}

func (pf *preparedFile) loader(p parser.Parser) (*groupLoader, []string) {
	l := &groupLoader{byID: map[string]*rulefmt.RuleGroups{}, parser: p}
	var ids []string
	for _, rf := range pf.ruleFiles {
		for _, id := range rf.ids {
			l.byID[id] = rf.groups[id]
			ids = append(ids, id)
		}
		l.exprs = append(l.exprs, rf.exprs)
	}
	return l, ids
}

var nopLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

var errNoAlertname = errors.New("an item under alert_rule_test misses required attribute alertname")
