package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oomguard/oomguard/internal/atomicfile"
	"github.com/oomguard/oomguard/rules"
	"github.com/oomguard/oomguard/ruletest"
)

type testOptions struct {
	Run                 []string
	JUnit               string
	Debug               bool
	Diff                bool
	IgnoreUnknownFields bool
	Features            []string
	Compat              bool
	Format              string
	Coverage            bool
	MinCoverage         float64
	Jobs                int
	Exhaustive          bool
	ExplainEval         bool
	Limits              ruletest.Limits
	Load                loaderLimits
	Progress            string
	Files               []string
}

func newTestCmd(s Streams, runF func(*testOptions) error) *cobra.Command {
	o := &testOptions{}
	cmd := &cobra.Command{
		Use:   "test [flags] TESTFILE...",
		Short: "Run promtool-format unit tests of rules on the Prometheus engine",
		Long: strings.TrimSpace(`
Test runs unit tests written for promtool test rules, unchanged and with
promtool's verdicts, on the Prometheus 3.16 engine. rule_files may also name
PrometheusRule manifests (single, multi-document, kind: List) and
multi-document rule files.

Unlike promtool, test fails a test file that would pass in silence: a
rule_files pattern that matches nothing, a rule file with no rule, a document
of another kind, an alert_rule_test of an alert no rule defines, a series fed
twice in one test group. --compat restores promtool's leniency. Test groups run in parallel (-j); results are
reported in file order. Rules no assertion needs and that cannot fail are
left out, and the others evaluated over the whole range where that gives
what step-by-step evaluation gives (--explain-eval says which were not, and
why); --exhaustive evaluates every rule at every step, as promtool does.
Expected samples may set tolerance (absolute) or relative_tolerance, and
value: .nan matches NaN.

Exit codes: 0 every test passed; 1 a test failed or a file is invalid
(as promtool); 2 bad flags.`),
		Example: examples(`
  # Run promtool test files as they are
  oomguard test tests/*.yml

  # Only some test groups, with a JUnit report for CI
  oomguard test --run 'memory.*' --junit report.xml tests/memory_test.yml

  # Which rules do the tests exercise? Fail under 80%
  oomguard test --coverage --min-coverage 80 tests/*.yml

  # Machine-readable results
  oomguard test --format json tests/*.yml`),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args
			if len(o.Files) == 0 {
				return usagef("no test file given")
			}
			if o.Format != "text" && o.Format != "json" {
				return usagef("--format %q: use text or json", o.Format)
			}
			if !(o.MinCoverage >= 0 && o.MinCoverage <= 100) { // NaN too
				return usagef("--min-coverage %v: give a percentage from 0 to 100", o.MinCoverage)
			}
			if err := checkProgressMode(o.Progress); err != nil {
				return err
			}
			if o.Jobs < 0 {
				return usagef("-j %d: give a positive number, or 0 for one per core", o.Jobs)
			}
			for _, l := range []struct {
				flag string
				n    int
			}{{"--max-input-samples", o.Limits.InputSamples}, {"--max-eval-steps", o.Limits.EvalSteps},
				{"--max-template-steps", o.Limits.TemplateSteps}, {"--max-template-bytes", o.Limits.TemplateBytes}} {
				if l.n < 1 {
					return usagef("%s %d: give a positive number", l.flag, l.n)
				}
			}
			if runF != nil {
				return runF(o)
			}
			return runTest(s, o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Run, "run", nil, "run only test groups whose name matches this `regexp` (repeatable)")
	f.StringVar(&o.JUnit, "junit", "", "write a JUnit XML report to `FILE`")
	f.BoolVar(&o.Debug, "debug", false, "dump every series after each test group to stderr")
	f.BoolVar(&o.Diff, "diff", false, "with a failed alert test, also print the whole expected and got alert lists")
	f.BoolVar(&o.IgnoreUnknownFields, "ignore-unknown-fields", false, "accept unknown keys in rule files")
	f.StringArrayVar(&o.Features, "enable-feature", nil, "enable a PromQL `feature`, as promtool's --enable-feature (repeatable, comma-separated)")
	f.BoolVar(&o.Exhaustive, "exhaustive", false, "evaluate every rule at every step, as promtool does, also those no assertion reads and that cannot fail (same verdicts, slower)")
	f.BoolVar(&o.ExplainEval, "explain-eval", false, "say, for each test group, how many rules were left out, evaluated over the whole range and step by step, and why each rule was evaluated step by step")
	f.BoolVar(&o.Compat, "compat", false, "promtool's leniency: no checks for tests that pass in silence")
	f.StringVar(&o.Format, "format", "text", "output format: text or json")
	f.BoolVar(&o.Coverage, "coverage", false, "list, per rule file, the rules some assertion exercised and those none did")
	f.Float64Var(&o.MinCoverage, "min-coverage", 0, "fail when fewer than this `percent` of the rules are exercised")
	f.IntVarP(&o.Jobs, "jobs", "j", 0, "test groups run at once (0: one per core)")
	addProgressFlag(cmd, &o.Progress)
	f.IntVar(&o.Limits.InputSamples, "max-input-samples", ruletest.DefaultInputSamples, "fail a test group whose input series expand to more `samples`")
	f.IntVar(&o.Limits.EvalSteps, "max-eval-steps", ruletest.DefaultEvalSteps, "fail a test group that takes more evaluation `steps` (last eval_time over evaluation_interval)")
	f.IntVar(&o.Limits.TemplateSteps, "max-template-steps", ruletest.DefaultTemplateSteps, "fail the test groups of an alert whose label or annotation template can take more `steps` at worst")
	f.IntVar(&o.Limits.TemplateBytes, "max-template-bytes", ruletest.DefaultTemplateBytes, "fail the test groups of an alert whose label or annotation template can write more `bytes` of text at worst")
	addLoaderFlags(f, &o.Load)
	return cmd
}

func runTest(s Streams, o *testOptions) error {
	load, err := o.Load.options()
	if err != nil {
		return err
	}
	// Test groups run side by side, each with its own storage, and most of
	// what they allocate is short-lived: collecting more often keeps the
	// peak memory of a run at promtool's or below, for a few percent of
	// time. GOGC, when set, decides.
	if _, set := os.LookupEnv("GOGC"); !set {
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}
	// A test file that is not a regular file (a FIFO, a device) is refused
	// before anything runs. One that is not there: the run cannot happen
	// (exit 2), as for every command; promtool fails it as a test (exit 1),
	// and --compat keeps that.
	for _, f := range o.Files {
		if f == "-" {
			continue
		}
		st, err := os.Stat(f)
		if err == nil && !st.Mode().IsRegular() {
			_, err := rules.ReadRegular(f, load.MaxFileSize)
			return err
		}
		if err != nil && !o.Compat {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return &rules.InputError{Arg: f, Err: err}
		}
	}
	prog := startProgress(s.ErrOut, o.Progress, "oomguard test", "test group", "reading the test files", "")
	var onProgress func(done, total int)
	if prog != nil {
		onProgress = func(done, total int) { prog.set(done, total, "") }
	}
	report, err := ruletest.Run(o.Files, ruletest.Options{
		Stdin:               s.In,
		Run:                 o.Run,
		Diff:                o.Diff,
		Debug:               o.Debug,
		DebugOut:            prog.errOut(s.ErrOut),
		IgnoreUnknownFields: o.IgnoreUnknownFields,
		Features:            o.Features,
		Compat:              o.Compat,
		Jobs:                o.Jobs,
		Exhaustive:          o.Exhaustive,
		Limits:              o.Limits,
		Load:                load,
		Progress:            onProgress,
	})
	prog.stop()
	if err != nil {
		return &usageError{err}
	}
	switch o.Format {
	case "json":
		err = ruletest.WriteJSON(s.Out, report)
	default:
		err = ruletest.TextOptions{Coverage: o.Coverage || o.MinCoverage > 0, Evaluation: o.ExplainEval}.Write(s.Out, report)
	}
	if err != nil {
		return err
	}
	if o.JUnit != "" {
		var b bytes.Buffer
		if err := ruletest.WriteJUnit(&b, report, time.Now()); err != nil {
			return err
		}
		if err := atomicfile.Write(o.JUnit, b.Bytes()); err != nil {
			return fmt.Errorf("writing %s: %w", o.JUnit, err)
		}
	}
	if report.Failed() {
		return &findingsError{}
	}
	if o.MinCoverage > 0 {
		cov, any := report.Coverage()
		if !any || cov*100 < o.MinCoverage {
			return &findingsError{fmt.Sprintf("oomguard test: rule coverage %.1f%% is under --min-coverage %v%%", cov*100, o.MinCoverage)}
		}
	}
	return nil
}
