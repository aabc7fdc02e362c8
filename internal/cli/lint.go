package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oomguard/oomguard/config"
	"github.com/oomguard/oomguard/internal/atomicfile"
	"github.com/oomguard/oomguard/jsonnet"
	"github.com/oomguard/oomguard/lint"
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
	MixinMemory   string
	MixinStack    int
	Progress      string
	Inputs        []string
	Limits        loaderLimits
	Online        lintServerOptions
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

With --prometheus URL, or the servers of the config, the online checks ask
the server about the series the rules read (docs/lint.md, "Online checks").

Exit codes: 0 no finding at or above --fail-on (default warning); 1 there is
one, or a server failed some answers (at --fail-on warning or info); 2 bad
flags, a bad config, a path that cannot be read, or a server that cannot be
reached or refuses the credentials (after the findings are printed).`),
		Example: examples(`
  # Lint a directory of rules
  oomguard lint rules/

  # In a GitHub workflow: annotations on the pull request, fail on errors only
  oomguard lint --format github --fail-on error deploy/

  # SARIF for code scanning
  oomguard lint --format sarif rules/ > oomguard.sarif

  # Without one check
  oomguard lint --disable promql/static-regexp rules.yaml

  # Online: which selectors match nothing, and a week's backtest of each alert
  oomguard lint --prometheus http://prometheus:9090 --backtest 7d rules/`),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Inputs = args
			return runLint(s, o, cmd.Flags())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Config, "config", "", "config `FILE` (default .oomguard.yaml when it exists): its lint section")
	f.StringVar(&o.Format, "format", "text", "output: "+strings.Join(lint.Formats, ", "))
	f.StringVar(&o.FailOn, "fail-on", "warning", "exit 1 when a finding has this severity or a higher one: info, warning or error")
	f.StringArrayVar(&o.Disable, "disable", nil, "turn off a check `ID` (repeatable)")
	f.StringArrayVar(&o.Enable, "enable", nil, "run only these checks `ID`, policy checks included (repeatable)")
	f.StringVar(&o.Source, "source", "auto", "show each finding's source line with a caret in text output: auto (when the output is a terminal), always or never")
	f.BoolVar(&o.Fix, "fix", false, "make the safe fixes in the files (the rest of each file stays byte for byte), then report what is left")
	f.StringArrayVarP(&o.JPath, "jpath", "J", nil, "a library `DIR` the imports of jsonnet inputs may come from (repeatable)")
	f.DurationVar(&o.MixinTimeout, "mixin-timeout", 30*time.Second, "the longest the evaluation of a jsonnet input may take")
	f.StringVar(&o.MixinMemory, "mixin-memory", "512Mi", "the most memory the evaluation of a jsonnet input may use (a Kubernetes quantity: 512Mi, 2Gi)")
	f.IntVar(&o.MixinStack, "mixin-stack", jsonnet.DefaultMaxStack, "the deepest the calls of the evaluation of a jsonnet input may nest (jsonnet's max stack frames)")
	f.StringVar(&o.Baseline, "baseline", "", "report only findings the baseline `FILE` does not hold")
	f.StringVar(&o.WriteBaseline, "write-baseline", "", "record every finding in the baseline `FILE` and exit 0")
	f.StringVar(&o.Since, "since", "", "report only findings on lines changed since the git `REF` (all rules are still read, for checks across rules)")
	addProgressFlag(cmd, &o.Progress)
	addLoaderFlags(f, &o.Limits)
	o.Online.register(f)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(lint.Formats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"info", "warning", "error"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("source", cobra.FixedCompletions([]string{"auto", "always", "never"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("enable", completeCheckIDs)
	_ = cmd.RegisterFlagCompletionFunc("disable", completeCheckIDs)
	return cmd
}

// completeCheckIDs completes the IDs of the checks, each with its title.
func completeCheckIDs(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var ids []cobra.Completion
	for _, c := range lint.Checks() {
		if strings.HasPrefix(c.ID, prefix) {
			ids = append(ids, cobra.CompletionWithDesc(c.ID, c.Title))
		}
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}

func runLint(s Streams, o *lintOptions, flags *pflag.FlagSet) error {
	if len(o.Inputs) == 0 {
		return usagef("no input: give rule files, directories, globs or - for standard input")
	}
	if !slices.Contains(lint.Formats, o.Format) {
		return usagef("--format %q: use %s", o.Format, strings.Join(lint.Formats, ", "))
	}
	failOn, err := lint.ParseSeverity(o.FailOn)
	if err != nil {
		return usagef("--fail-on: %v", err)
	}
	load, err := o.Limits.options()
	if err != nil {
		return err
	}
	mixinMemory, err := parseMemory("--mixin-memory", o.MixinMemory)
	if err != nil {
		return err
	}
	if o.MixinStack < 1 {
		return usagef("--mixin-stack %d: give a whole number above 0", o.MixinStack)
	}
	file, err := config.Load(o.Config, load.MaxFileSize)
	if err != nil {
		return &usageError{err}
	}
	cfg := file.Lint
	var unknown *lint.UnknownCheckError
	if err := lint.Select(cfg, o.Enable, o.Disable); errors.As(err, &unknown) {
		return usagef("%v", err)
	} else if err != nil {
		return err
	}
	servers, err := o.Online.online(flags, file, cfg, lintNow())
	if err != nil {
		return err
	}
	if !slices.Contains([]string{"auto", "always", "never"}, o.Source) {
		return usagef("--source %q: use auto, always or never", o.Source)
	}
	if o.Baseline != "" && o.WriteBaseline != "" {
		return usagef("--baseline and --write-baseline do not go together")
	}
	var baseline *lint.Baseline
	if o.Baseline != "" {
		if baseline, err = lint.LoadBaseline(o.Baseline, load.MaxFileSize); err != nil {
			return &usageError{err}
		}
	}
	if o.Fix && o.WriteBaseline != "" {
		return usagef("--fix and --write-baseline do not go together")
	}
	if o.Fix && slices.Contains(o.Inputs, "-") {
		return usagef("--fix cannot write to standard input")
	}
	if err := checkProgressMode(o.Progress); err != nil {
		return err
	}
	prog := startProgress(s.ErrOut, o.Progress, "oomguard lint", "file", "reading the inputs", "checking across files")
	var onProgress func(done, total, rules int)
	if prog != nil {
		onProgress = func(done, total, rules int) { prog.set(done, total, ", "+plural(rules, "rule")) }
	}
	errOut := prog.errOut(s.ErrOut)
	res, err := lint.Inputs(lint.Options{
		Inputs:   o.Inputs,
		Stdin:    s.In,
		Checks:   lint.Checks(),
		Config:   cfg,
		Mixin:    jsonnet.MixinOptions{JPath: o.JPath, Timeout: o.MixinTimeout, MaxMemory: mixinMemory, MaxStack: o.MixinStack},
		Load:     load,
		Since:    o.Since,
		Baseline: baseline,
		Fix:      o.Fix,
		OnSkip:   func(sk rules.Skipped) { printSkipped(errOut, []rules.Skipped{sk}) },
		OnFix: func(path string, fixed int) {
			fmt.Fprintf(errOut, "oomguard lint: fixed %s in %s\n", plural(fixed, "finding"), path)
		},
		// SARIF carries fixes as edits of the files' text, which needs it.
		Source:   o.Format == "sarif" || o.Source == "always" || o.Source == "auto" && isTerminal(s.Out),
		Progress: onProgress,
	})
	prog.stop()
	var se *lint.SinceError
	var nr *lint.NoRulesError
	switch {
	case errors.Is(err, lint.ErrNoFiles), errors.As(err, &nr):
		return &usageError{err}
	case errors.As(err, &se):
		return usagef("--since %s: %v", se.Ref, se.Err)
	case err != nil:
		return err
	}
	ds := res.Diagnostics
	if n := len(res.LeftOut); n > 0 {
		verb := "hold"
		if n == 1 {
			verb = "holds"
		}
		fmt.Fprintf(s.ErrOut, "oomguard lint: left out %s that %s no rules: %s\n", plural(n, "YAML file"), verb, lint.SamplePaths(res.LeftOut, 3))
	}
	if o.WriteBaseline != "" {
		b := lint.NewBaseline(ds)
		data, err := b.Marshal()
		if err != nil {
			return err
		}
		if err := atomicfile.Write(o.WriteBaseline, data); err != nil {
			return err
		}
		fmt.Fprintf(s.ErrOut, "oomguard lint: wrote %s to %s\n", plural(len(b.Findings), "finding"), o.WriteBaseline)
		_, err = reportServers(s.ErrOut, servers)
		return err
	}
	if res.Accepted > 0 {
		fmt.Fprintf(s.ErrOut, "oomguard lint: %s in the baseline not shown\n", plural(res.Accepted, "finding"))
	}
	if res.Gone > 0 {
		fmt.Fprintf(s.ErrOut, "oomguard lint: %s of the baseline no longer found: rewrite it with --write-baseline\n", plural(res.Gone, "finding"))
	}
	if len(ds) == 0 {
		// Silence would not say whether anything was linted.
		fmt.Fprintf(s.ErrOut, "oomguard lint: %s, %s: no findings\n", plural(res.Files, "file"), plural(res.Rules, "rule"))
	}
	if err := lint.Write(s.Out, o.Format, res, currentVersion()); err != nil {
		return err
	}
	// The servers' failures once the findings are out: the offline
	// checks' findings stand whatever a server did.
	failed, err := reportServers(s.ErrOut, servers)
	if err != nil {
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
	if failed > 0 && failOn <= lint.Warning {
		// Rules the online checks could not check have not passed.
		return &findingsError{fmt.Sprintf("oomguard lint: %s of the online checks failed: a warning (--fail-on error lets it pass)", plural(failed, "request"))}
	}
	return nil
}

func newChecksCmd(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "checks [ID]",
		Short: "List the lint checks, or explain one",
		Long: strings.TrimSpace(`
Checks lists every lint check with its default severity and kind, or
explains one. Correctness checks find what is wrong whoever wrote the rules
and run by default; policy checks hold rules to a team's conventions (required
annotations, allowed severities, naming patterns) and run only when
.oomguard.yaml turns them on.`),
		Example: examples(`
  oomguard checks
  oomguard checks kubernetes/cadvisor-container-filter`),
		Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return completeCheckIDs(cmd, args, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var b strings.Builder
			for _, c := range lint.Checks() {
				kind := "correctness"
				if c.Policy {
					kind = "policy"
				}
				if len(args) == 0 {
					fmt.Fprintf(&b, "%-40s %-8s %-11s %s\n", c.ID, c.Severity, kind, c.Title)
					continue
				}
				if c.ID == args[0] {
					if c.Policy {
						kind = "policy, off unless .oomguard.yaml turns it on"
					}
					fmt.Fprintf(&b, "%s (%s, %s): %s\n\n%s\n", c.ID, c.Severity, kind, c.Title, strings.TrimSpace(c.Doc))
				}
			}
			if len(args) == 0 {
				b.WriteString("\nCorrectness checks run by default; policy checks (a team's conventions) run when\n.oomguard.yaml turns them on. docs/checks.md explains each.\n")
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
