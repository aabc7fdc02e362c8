package engine

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/oomguard/oomguard/internal/atomicfile"
	"github.com/oomguard/oomguard/jsonnet"
	"github.com/oomguard/oomguard/rules"
)

// Options of a lint run over inputs (Inputs).
type Options struct {
	// Inputs are rule files, directories (their .yaml and .yml files),
	// globs, "-" for Stdin, and jsonnet mixins (.jsonnet, .libsonnet).
	Inputs []string
	Stdin  io.Reader
	// Checks are the checks to run; Config configures them (nil:
	// DefaultConfig).
	Checks []*Check
	Config *Config
	// Mixin bounds the evaluation of jsonnet inputs.
	Mixin jsonnet.MixinOptions
	// Load bounds what the loader reads: the size of every file, the
	// expressions, YAML aliases (rules.Options; its zero value is the
	// loader's defaults). Mixin.Load is set from it.
	Load rules.Options
	// Since, a git ref, keeps only the findings on lines changed since
	// then (in a rule of which a line changed, for a finding in a rule).
	Since string
	// Baseline, when set, drops the findings it holds.
	Baseline *Baseline
	// Fix makes the safe fixes of the findings in the files, round after
	// round, then reports what is left; OnFix, when set, is told of each
	// file as it is written.
	Fix   bool
	OnFix func(path string, fixed int)
	// Source keeps the text of the files, for Result.Source and
	// Result.Edit.
	Source bool
	// OnSkip, when set, is told once of each file a directory or a glob
	// found but that is not read (a link out of the tree, a FIFO, a
	// socket, a device), and why.
	OnSkip func(rules.Skipped)
	// Progress, when set, is told how far the run has got: the inputs
	// done (rule files, unit-test files, mixins) of total, and the rules
	// read so far. It is called after each jsonnet mixin (evaluated first,
	// total still 0), once the other inputs are listed, then after each of
	// them, one call at a time; a round of Fix starts again from 0.
	Progress func(files, total, rules int)
}

// Result is what a lint run found.
type Result struct {
	// Diagnostics are the findings, sorted by file, line, column and
	// check.
	Diagnostics []Diagnostic
	// Accepted is the number of findings the baseline held; Gone the
	// number of its entries no finding matched any more.
	Accepted, Gone int
	// Files and Rules count the files linted (a jsonnet mixin is one) and
	// the rules in them, in the last round of fixes.
	Files, Rules int
	// Source returns line n of a file linted, or of the jsonnet of a
	// mixin, with Options.Source; else nil.
	Source func(file string, n int) ([]byte, bool)
	// LeftOut are the YAML files directories and globs found that are not
	// rule files (Kubernetes objects of kinds that hold no rules, compose
	// and CI files), not linted.
	LeftOut []string
	// Edit returns the fix of a finding as an edit of its file's text,
	// with Options.Source; else nil. ok is false for a finding without a
	// fix, or one that cannot be made in place.
	Edit func(Diagnostic) (edit TextEdit, ok bool)
}

// ErrNoFiles is a run whose directories and globs find no file the
// config's include and exclude globs let through, and nothing else.
var ErrNoFiles = errors.New("no file left to lint after the config's include and exclude")

// NoRulesError is a run whose directories and globs find YAML files, none
// of them a rule file.
type NoRulesError struct {
	LeftOut []string
}

func (e *NoRulesError) Error() string {
	if len(e.LeftOut) == 1 {
		return fmt.Sprintf("no rule file to lint: the one YAML file found is not a rule file (%s)", e.LeftOut[0])
	}
	return fmt.Sprintf("no rule file to lint: the %d YAML files found are not rule files (%s)", len(e.LeftOut), SamplePaths(e.LeftOut, 3))
}

// SamplePaths names the first n paths, and how many more there are.
func SamplePaths(paths []string, n int) string {
	if len(paths) <= n {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:n], ", "), len(paths)-n)
}

// maxFixRounds bounds the rounds of Options.Fix: each round makes the fixes
// that do not overlap, then lints again.
const maxFixRounds = 10

// Inputs lints the inputs: it loads them (evaluating jsonnet mixins and
// moving the findings in them to their jsonnet), runs the checks file by
// file, keeps the findings Since and Baseline select, makes the fixes with
// Fix, and returns the findings sorted. Inputs that cannot be read are a
// *rules.InputError; a git ref Since cannot use a *SinceError.
func Inputs(o Options) (*Result, error) {
	// Collecting more often keeps peak memory near what is live, for some
	// 10% of time. GOGC, when set, decides.
	if _, set := os.LookupEnv("GOGC"); !set {
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}
	if onSkip := o.OnSkip; onSkip != nil {
		told := map[string]bool{} // once, whatever the rounds of Fix
		o.OnSkip = func(sk rules.Skipped) {
			if !told[sk.Path] {
				told[sk.Path] = true
				onSkip(sk)
			}
		}
	}
	cfg := o.Config
	if cfg == nil {
		cfg = DefaultConfig()
	}
	var changed *changes
	if o.Since != "" {
		var err error
		if changed, err = changedLines(o.Since); err != nil {
			return nil, err
		}
	}
	// Files are let go as they are checked, unless fixes or --since need
	// them afterwards, or source lines are shown.
	keep := keepNone
	switch {
	case o.Fix || changed != nil:
		keep = keepAll
	case o.Source:
		keep = keepSource
	}
	res := &Result{}
	// The findings to report: on changed lines with Since, and not in the
	// baseline.
	selected := func(ds []Diagnostic, files []*rules.File) []Diagnostic {
		if changed != nil {
			ds = changed.filter(ds, files)
		}
		if o.Baseline != nil {
			before := len(ds)
			ds, res.Gone = o.Baseline.Filter(ds)
			res.Accepted = before - len(ds)
		}
		return ds
	}
	ds, files, leftOut, err := lintInputs(o, cfg, keep, res)
	if err != nil {
		return nil, err
	}
	res.LeftOut = leftOut
	ds = selected(ds, files)
	if o.Fix {
		// A fix can wait for another (edits that overlap are made one at
		// a time): fix, lint again, until nothing is left to fix.
		for round := 0; round < maxFixRounds; round++ {
			fixed := 0
			for _, f := range files {
				if f.Origin != nil {
					continue // an evaluated mixin: its jsonnet is not ours to edit
				}
				out, done, err := ApplyFixes(f, ds, o.Load)
				if err != nil {
					return nil, err
				}
				if len(done) == 0 {
					continue
				}
				if err := atomicfile.Write(f.Path, out); err != nil {
					return nil, err
				}
				if o.OnFix != nil {
					o.OnFix(f.Path, len(done))
				}
				fixed += len(done)
			}
			if fixed == 0 {
				break
			}
			// Report what the fixed files still have.
			if ds, files, _, err = lintInputs(o, cfg, keep, res); err != nil {
				return nil, err
			}
			if changed != nil {
				// The fixes changed lines too.
				if changed, err = changedLines(o.Since); err != nil {
					return nil, err
				}
			}
			ds = selected(ds, files)
		}
	}
	res.Diagnostics = ds
	if o.Source {
		res.Source = sourceLine(files)
		res.Edit = textEdits(files)
	}
	return res, nil
}

// lintInputs loads the inputs (jsonnet mixins evaluated) and lints them,
// file by file: each file is let go once it is checked, unless keep says
// to return the files (whole, or their text alone for showing source
// lines).
//
// It counts the files and rules in res.Files and res.Rules.
func lintInputs(o Options, cfg *Config, keep keepFiles, res *Result) ([]Diagnostic, []*rules.File, []string, error) {
	// jsonnet mixins are evaluated; everything else is for the loader.
	var ruleInputs, tests, leftOut []string
	var files []*rules.File
	var nFiles, nRules atomic.Int64
	defer func() { res.Files, res.Rules = int(nFiles.Load()), int(nRules.Load()) }()
	// Progress counts every input done, unit-test files too.
	var done, total int
	var progressMu sync.Mutex
	progress := func(files int) {
		if o.Progress != nil {
			progressMu.Lock()
			done += files
			o.Progress(done, total, int(nRules.Load()))
			progressMu.Unlock()
		}
	}
	linter := NewLinter(o.Checks, cfg)
	n, evaluated := 0, 0
	for _, in := range o.Inputs {
		if !isJsonnet(in) {
			ruleInputs = append(ruleInputs, in)
			continue
		}
		if _, err := os.Stat(in); err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, nil, nil, &rules.InputError{Arg: in, Err: err}
		}
		f, errs := loadMixin(in, o.mixin())
		linter.Add(n, f, errs)
		n++
		if f != nil {
			evaluated++
			nFiles.Add(1)
			nRules.Add(int64(f.Rules()))
			if keep != keepNone {
				files = append(files, keep.of(f))
			}
		}
		progress(1)
	}
	if len(ruleInputs) > 0 {
		// Files found in directories and globs go through the config's
		// include and exclude globs; files named on the command line are
		// linted whatever they say.
		named := map[string]bool{}
		for _, in := range ruleInputs {
			named[in] = true
		}
		in, err := rules.ExpandInputs(ruleInputs)
		if err != nil {
			return nil, nil, nil, err
		}
		if o.OnSkip != nil {
			for _, sk := range in.Skipped {
				o.OnSkip(sk)
			}
		}
		ruleInputs = ruleInputs[:0]
		for _, p := range in.Paths {
			if !named[p] && !cfg.Selects(p) {
				continue
			}
			// A repository holds other YAML than rules: unit-test files are
			// linted as such, and the rule files a test or a Prometheus
			// configuration loads make a scope; Helm values are not rules.
			switch kindOf(p, named[p], o.Load.MaxFileSize) {
			case kindTest:
				tests = append(tests, p)
			case kindPrometheusConf:
				if rf := ruleFilesOf(p, o.Load.MaxFileSize); len(rf) > 0 {
					linter.AddScope(Scope{Name: "rule_files of " + p, Paths: rf})
				}
			case kindHelmValues:
			case kindOther:
				leftOut = append(leftOut, p)
			default:
				ruleInputs = append(ruleInputs, p)
			}
		}
		if len(ruleInputs) == 0 && len(tests) == 0 && evaluated == 0 {
			if len(leftOut) > 0 {
				return nil, nil, nil, &NoRulesError{LeftOut: leftOut}
			}
			return nil, nil, nil, ErrNoFiles
		}
	}
	total = n + len(ruleInputs) + len(tests)
	progress(0)
	if len(ruleInputs) > 0 {
		loaded := make([]*rules.File, len(ruleInputs))
		err := rules.EachFile(ruleInputs, o.Stdin, o.Load, func(i int, f *rules.File, errs rules.ErrorList) {
			nFiles.Add(1)
			if f != nil {
				nRules.Add(int64(f.Rules()))
			}
			linter.Add(n+i, f, errs)
			if keep != keepNone {
				loaded[i] = keep.of(f)
			}
			progress(1)
		})
		if err != nil {
			return nil, nil, nil, err
		}
		for _, f := range loaded {
			if f != nil {
				files = append(files, f)
			}
		}
	}
	n += len(ruleInputs)
	// The rule files the tests read, loaded once each.
	ruleFiles := map[string]*rules.File{}
	for i, p := range tests {
		t, errs := readTest(p, o.Load.MaxFileSize)
		if t == nil {
			linter.Add(n+i, nil, errs)
			progress(1)
			continue
		}
		var loaded []*rules.File
		for _, rf := range t.rules {
			f, ok := ruleFiles[rf]
			if !ok {
				fs, _, err := rules.LoadFiles([]string{rf}, nil, o.Load)
				if err == nil && len(fs) == 1 {
					f = fs[0]
				}
				ruleFiles[rf] = f
			}
			if f != nil {
				loaded = append(loaded, f)
			}
		}
		linter.AddTest(n+i, t.file, loaded, t.missing)
		// Rule files kept for the tests, beside them, are linted as the
		// tests' Prometheus, not as the one the files of no scope make.
		if sc := testScope(t); !sc.Shared && len(sc.Paths) > 0 {
			linter.AddScope(sc)
		}
		progress(1)
	}
	return linter.Finish(), files, leftOut, nil
}

// keepFiles says what lintInputs returns of the files it lints.
type keepFiles int

const (
	keepNone   keepFiles = iota
	keepSource           // their text, for showing lines
	keepAll              // all of them, for fixes and Since
)

func (k keepFiles) of(f *rules.File) *rules.File {
	if k == keepSource {
		return f.SourceOnly()
	}
	return f
}

// mixin is o.Mixin with the loader's bounds of o.Load.
func (o *Options) mixin() jsonnet.MixinOptions {
	m := o.Mixin
	m.Load = o.Load
	return m
}
