// Package cli holds oomguard's commands: one constructor a command, each
// with an options struct, writing only to the streams it is given. Main
// turns errors into exit codes in one place.
package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oomguard/oomguard/rules"
)

// Exit codes, as the documentation gives them.
const (
	ExitOK       = 0 // clean
	ExitFindings = 1 // the command ran and found problems
	ExitNoRun    = 2 // the command could not run
)

// Streams are the command's input and outputs.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// usageError is a bad flag or argument: exit 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// findingsError says the command ran and found problems, which it has
// already reported: exit 1, nothing more to print.
type findingsError struct{ summary string }

func (e *findingsError) Error() string { return e.summary }

// Main runs oomguard with args and returns the exit code.
func Main(args []string, s Streams) int {
	root := NewRootCmd(s)
	root.SetArgs(args)
	err := root.Execute()
	return exitCode(err, s.ErrOut)
}

func exitCode(err error, errOut io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var fe *findingsError
	if errors.As(err, &fe) {
		if fe.summary != "" {
			fmt.Fprintln(errOut, fe.summary)
		}
		return ExitFindings
	}
	var ue *usageError
	var ie *rules.InputError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(errOut, "oomguard: %v\nRun with --help for usage.\n", err)
	case errors.As(err, &ie):
		fmt.Fprintf(errOut, "oomguard: cannot read %v\n", err)
	default:
		// Flag parsing errors from cobra, and anything that kept the
		// command from running.
		fmt.Fprintf(errOut, "oomguard: %v\n", err)
	}
	return ExitNoRun
}

// NewRootCmd builds the oomguard command tree.
func NewRootCmd(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "oomguard",
		Short: "Prometheus rules that warn before Kubernetes kills a container",
		Long: strings.TrimSpace(`
oomguard generates, lints and tests Prometheus alerting and recording rules,
as plain rule files and as PrometheusRule manifests for the Prometheus
Operator.`),
		Example: examples(`
  # Turn a rule file into a PrometheusRule manifest
  oomguard convert --to prometheusrule --name node-alerts --namespace monitoring rules.yaml`),
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionLine(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	root.SetFlagErrorFunc(flagError)
	root.SetHelpCommand(newHelpCmd())
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		newConvertCmd(s, nil),
		newTestCmd(s, nil),
		newGenerateCmd(s, nil),
		newMixinCmd(s),
		newLintCmd(s),
		newChecksCmd(s),
		newTopCmd(s, nil),
		newVersionCmd(s),
		newCompletionCmd(s),
	)
	return root
}

// examples returns the examples of a command's help as written, each line
// indented by two spaces, without the blank lines around them.
func examples(s string) string { return strings.Trim(s, "\n") }

// flagError is a bad flag: exit 2, with the flag meant when an unknown one
// is a misspelling of one the command has.
func flagError(cmd *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return &usageError{err}
	}
	var names []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	if meant := rules.Suggest(name, names); meant != "" {
		return &usageError{fmt.Errorf("%w: did you mean --%s?", err, meant)}
	}
	return &usageError{err}
}

// newHelpCmd is cobra's help command but for a topic it does not know,
// which is an error (exit 2) rather than the usage and exit 0.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help prints the help of any command: oomguard help generate.",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || cmd == nil || len(rest) > 0 {
				msg := fmt.Sprintf("unknown help topic %q", strings.Join(args, " "))
				if s := c.Root().SuggestionsFor(args[0]); len(s) > 0 {
					msg += ": did you mean " + strings.Join(s, " or ") + "?"
				}
				return usagef("%s", msg)
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}

// printProblems prints loader errors and warnings as
// path:line:col: severity: message.
func printProblems(w io.Writer, severity string, errs rules.ErrorList) {
	for _, e := range errs {
		if e.Pos.IsValid() {
			fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", e.File, e.Pos.Line, e.Pos.Col, severity, e.Msg)
		} else {
			fmt.Fprintf(w, "%s: %s: %s\n", e.File, severity, e.Msg)
		}
	}
}

// printSkipped says which files directories and globs found but that are
// not read.
func printSkipped(w io.Writer, skipped []rules.Skipped) {
	for _, sk := range skipped {
		fmt.Fprintf(w, "oomguard: note: %s\n", sk)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
