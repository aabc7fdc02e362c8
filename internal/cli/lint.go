package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oomguard/oomguard/internal/atomicfile"
	"github.com/oomguard/oomguard/jsonnet"
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/lint/report"
	"github.com/oomguard/oomguard/rules"
)

type lintOptions struct {
	Config        string
	Format        string
	FailOn        string
	Enable        []string
	Disable       []string
	Baseline      string
	WriteBaseline string
	Since         string
	Source        string
	Fix           bool
	JPath         []string
	MixinTimeout  time.Duration
	Inputs        []string
}

func newLintCmd(s Streams) *cobra.Command {
	o := &lintOptions{}
	cmd := &cobra.Command{
		Use:   "lint [flags] FILE|DIR|-...",
		Short: "Check rule files and PrometheusRule manifests offline",
		Long: strings.TrimSpace(`
Lint checks rules offline: plain rule files, PrometheusRule manifests (several
documents, kind: List), jsonnet mixins, directories and standard input. Every
finding names its file:line:col and its check; oomguard checks lists the
checks and oomguard checks ID explains one. docs/lint.md describes the
config, suppressions, baselines, fixes and output formats.

Exit codes: 0 no finding at or above --fail-on (default warning); 1 there is
one; 2 bad flags, a bad config or a path that cannot be read.`),
		Example: strings.TrimSpace(`
  # Lint a directory of rules
  oomguard lint rules/

  # In a GitHub workflow: annotations on the pull request, fail on errors only
  oomguard lint --format github --fail-on error deploy/

  # SARIF for code scanning
  oomguard lint --format sarif rules/ > oomguard.sarif

  # Without one check
  oomguard lint --disable promql/static-regexp rules.yaml`),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Inputs = args
			return runLint(s, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Config, "config", "", "config `FILE` (default .oomguard.yaml when it exists): its lint section")
	f.StringVar(&o.Format, "format", "text", "output: "+strings.Join(report.Formats, ", "))
	f.StringVar(&o.FailOn, "fail-on", "warning", "exit 1 when a finding has this severity or a higher one: info, warning or error")
	f.StringArrayVar(&o.Disable, "disable", nil, "turn off a check `ID` (repeatable)")
	f.StringArrayVar(&o.Enable, "enable", nil, "run only these checks `ID` (repeatable)")
	f.StringVar(&o.Source, "source", "auto", "show each finding's source line with a caret in text output: auto (when the output is a terminal), always or never")
	f.BoolVar(&o.Fix, "fix", false, "make the safe fixes in the files (the rest of each file stays byte for byte), then report what is left")
	f.StringArrayVarP(&o.JPath, "jpath", "J", nil, "a library `DIR` the imports of jsonnet inputs may come from (repeatable)")
	f.DurationVar(&o.MixinTimeout, "mixin-timeout", 30*time.Second, "the longest the evaluation of a jsonnet input may take")
	f.StringVar(&o.Baseline, "baseline", "", "report only findings the baseline `FILE` does not hold")
	f.StringVar(&o.WriteBaseline, "write-baseline", "", "record every finding in the baseline `FILE` and exit 0")
	f.StringVar(&o.Since, "since", "", "report only findings on lines changed since the git `REF` (all rules are still read, for checks across rules)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(report.Formats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runLint(s Streams, o *lintOptions) error {
	// Collecting more often keeps peak memory near what is live, for some
	// 10% of time. GOGC, when set, decides.
	if _, set := os.LookupEnv("GOGC"); !set {
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}
	if len(o.Inputs) == 0 {
		return usagef("no input: give rule files, directories, globs or - for standard input")
	}
	if !slices.Contains(report.Formats, o.Format) {
		return usagef("--format %q: use %s", o.Format, strings.Join(report.Formats, ", "))
	}
	failOn, err := lint.ParseSeverity(o.FailOn)
	if err != nil {
		return usagef("--fail-on: %v", err)
	}
	all := checks.All()
	known := map[string]bool{}
	var ids []string
	for _, c := range all {
		known[c.ID] = true
		ids = append(ids, c.ID)
	}
	path, required := o.Config, true
	if path == "" {
		path, required = ".oomguard.yaml", false
	}
	cfg, err := lint.LoadConfig(path, required, ids)
	if err != nil {
		return &usageError{err}
	}
	if cfg.Disabled == nil {
		cfg.Disabled = map[string]bool{}
	}
	for _, id := range append(append([]string{}, o.Disable...), o.Enable...) {
		if !known[id] {
			return usagef("unknown check %q (oomguard checks lists them)", id)
		}
	}
	for _, id := range o.Disable {
		cfg.Disabled[id] = true
	}
	if len(o.Enable) > 0 {
		for _, c := range all {
			cfg.Disabled[c.ID] = !slices.Contains(o.Enable, c.ID)
		}
	}
	if !slices.Contains([]string{"auto", "always", "never"}, o.Source) {
		return usagef("--source %q: use auto, always or never", o.Source)
	}
	if o.Baseline != "" && o.WriteBaseline != "" {
		return usagef("--baseline and --write-baseline do not go together")
	}
	var baseline *lint.Baseline
	if o.Baseline != "" {
		if baseline, err = lint.LoadBaseline(o.Baseline); err != nil {
			return &usageError{err}
		}
	}
	if o.Fix && o.WriteBaseline != "" {
		return usagef("--fix and --write-baseline do not go together")
	}
	if o.Fix && slices.Contains(o.Inputs, "-") {
		return usagef("--fix cannot write to standard input")
	}
	var changed *changes
	if o.Since != "" {
		if changed, err = changedLines(o.Since); err != nil {
			return &usageError{fmt.Errorf("--since %s: %w", o.Since, err)}
		}
	}
	// The findings to report: on changed lines with --since, and not in the
	// baseline.
	var accepted, gone int
	selected := func(ds []lint.Diagnostic, files []*rules.File) []lint.Diagnostic {
		if changed != nil {
			ds = changed.filter(ds, files)
		}
		if baseline != nil {
			before := len(ds)
			ds, gone = baseline.Filter(ds)
			accepted = before - len(ds)
		}
		return ds
	}
	// Files are let go as they are checked, unless --fix or --since needs
	// them afterwards, or source lines are shown.
	showSource := o.Source == "always" || o.Source == "auto" && isTerminal(s.Out)
	keep := keepNone
	switch {
	case o.Fix || changed != nil:
		keep = keepAll
	case showSource:
		keep = keepSource
	}
	ds, files, mixins, err := lintInputs(s, o, all, cfg, keep)
	if err != nil {
		return err
	}
	ds = selected(ds, files)
	if o.Fix {
		// A fix can wait for another (edits that overlap are made one at
		// a time): fix, lint again, until nothing is left to fix.
		for pass := 0; pass < maxFixPasses; pass++ {
			fixed := 0
			for _, f := range files {
				if strings.HasSuffix(f.Path, " (evaluated)") {
					continue
				}
				out, done, err := lint.ApplyFixes(f, ds)
				if err != nil {
					return err
				}
				if len(done) == 0 {
					continue
				}
				if err := atomicfile.Write(f.Path, out); err != nil {
					return err
				}
				fmt.Fprintf(s.ErrOut, "oomguard lint: fixed %s in %s\n", plural(len(done), "finding"), f.Path)
				fixed += len(done)
			}
			if fixed == 0 {
				break
			}
			// Report what the fixed files still have.
			if ds, files, mixins, err = lintInputs(s, o, all, cfg, keep); err != nil {
				return err
			}
			if changed != nil {
				// The fixes changed lines too.
				if changed, err = changedLines(o.Since); err != nil {
					return &usageError{fmt.Errorf("--since %s: %w", o.Since, err)}
				}
			}
			ds = selected(ds, files)
		}
	}
	if o.WriteBaseline != "" {
		data, err := lint.NewBaseline(ds).Marshal()
		if err != nil {
			return err
		}
		if err := atomicfile.Write(o.WriteBaseline, data); err != nil {
			return err
		}
		fmt.Fprintf(s.ErrOut, "oomguard lint: wrote %s to %s\n", plural(len(ds), "finding"), o.WriteBaseline)
		return nil
	}
	if accepted > 0 {
		fmt.Fprintf(s.ErrOut, "oomguard lint: %s in the baseline not shown\n", plural(accepted, "finding"))
	}
	if gone > 0 {
		fmt.Fprintf(s.ErrOut, "oomguard lint: %s of the baseline no longer found: rewrite it with --write-baseline\n", plural(gone, "finding"))
	}
	meta := report.Meta{Checks: all, Version: currentVersion()}
	if showSource {
		byPath := map[string]*rules.File{}
		for _, f := range files {
			byPath[f.Path] = f
		}
		meta.Source = func(path string, line int) ([]byte, bool) {
			for _, m := range mixins {
				if l, ok := m.source(path, line); ok {
					return l, true
				}
			}
			f := byPath[path]
			if f == nil || line > f.LineCount() {
				return nil, false
			}
			return f.Line(line), true
		}
	}
	if err := report.Write(s.Out, o.Format, ds, meta); err != nil {
		return err
	}
	worst := 0
	for _, d := range ds {
		if d.Severity >= failOn {
			worst++
		}
	}
	if worst > 0 {
		return &findingsError{fmt.Sprintf("oomguard lint: %s at or above %s", plural(worst, "finding"), failOn)}
	}
	return nil
}

func newChecksCmd(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "checks [ID]",
		Short: "List the lint checks, or explain one",
		Example: strings.TrimSpace(`
  oomguard checks
  oomguard checks kubernetes/cadvisor-container-filter`),
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var b strings.Builder
			for _, c := range checks.All() {
				if len(args) == 0 {
					fmt.Fprintf(&b, "%-40s %-8s %s\n", c.ID, c.Severity, c.Title)
					continue
				}
				if c.ID == args[0] {
					fmt.Fprintf(&b, "%s (%s): %s\n\n%s\n", c.ID, c.Severity, c.Title, strings.TrimSpace(c.Doc))
				}
			}
			if b.Len() == 0 {
				return usagef("unknown check %q (oomguard checks lists them)", args[0])
			}
			_, err := fmt.Fprint(s.Out, b.String())
			return err
		},
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// lintInputs loads the inputs (jsonnet mixins evaluated) and lints them,
// file by file: each file is let go once it is checked, unless keep says
// to return the files (whole, or their text alone for showing source
// lines).
func lintInputs(s Streams, o *lintOptions, all []*lint.Check, cfg *lint.Config, keep keepFiles) ([]lint.Diagnostic, []*rules.File, []*mixinInput, error) {
	// jsonnet mixins are evaluated; everything else is for the loader.
	var ruleInputs []string
	var mixins []*mixinInput
	var files []*rules.File
	linter := lint.NewLinter(all, cfg)
	n, evaluated := 0, 0
	for _, in := range o.Inputs {
		if !isJsonnet(in) {
			ruleInputs = append(ruleInputs, in)
			continue
		}
		if _, err := os.Stat(in); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, nil, nil, &rules.InputError{Arg: in, Err: err}
		}
		f, ferrs, m := loadMixin(in, jsonnet.MixinOptions{JPath: o.JPath, Timeout: o.MixinTimeout})
		linter.Add(n, f, ferrs)
		n++
		if f != nil {
			evaluated++
			if keep != keepNone {
				files = append(files, keep.of(f))
			}
		}
		if m != nil {
			mixins = append(mixins, m)
		}
	}
	if len(ruleInputs) > 0 {
		// Files found in directories and globs go through the config's
		// include and exclude globs; files named on the command line are
		// linted whatever they say.
		named := map[string]bool{}
		for _, in := range ruleInputs {
			named[in] = true
		}
		paths, err := rules.Expand(ruleInputs)
		if err != nil {
			return nil, nil, nil, err
		}
		ruleInputs = ruleInputs[:0]
		for _, p := range paths {
			if named[p] || cfg.Selects(p) {
				ruleInputs = append(ruleInputs, p)
			}
		}
		if len(ruleInputs) == 0 && evaluated == 0 {
			return nil, nil, nil, usagef("no file left to lint after the config's include and exclude")
		}
	}
	if len(ruleInputs) > 0 {
		loaded := make([]*rules.File, len(ruleInputs))
		err := rules.EachFile(ruleInputs, s.In, rules.Options{}, func(i int, f *rules.File, errs rules.ErrorList) {
			linter.Add(n+i, f, errs)
			if keep != keepNone {
				loaded[i] = keep.of(f)
			}
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
	ds := linter.Finish()
	if len(mixins) > 0 {
		for _, m := range mixins {
			m.relocate(ds)
		}
		ds = lint.Sort(ds)
	}
	return ds, files, mixins, nil
}

// maxFixPasses bounds the rounds of --fix: each round makes the fixes that
// do not overlap, then lints again.
const maxFixPasses = 10

// keepFiles says what lintInputs returns of the files it lints.
type keepFiles int

const (
	keepNone   keepFiles = iota
	keepSource           // their text, for showing lines
	keepAll              // all of them, for --fix and --since
)

func (k keepFiles) of(f *rules.File) *rules.File {
	if k == keepSource {
		return f.SourceOnly()
	}
	return f
}
