// Package lint is the linter's API for commands: it lints inputs (Inputs),
// lists the checks (Checks), turns checks on and off as flags ask
// (Select), and writes the findings in each output format (Write). Its
// parts live below it: the pipeline and the types checks are written
// against in lint/engine, the checks in lint/checks, the output formats in
// lint/report, the analyses the checks share in packages of their own. A
// command imports this package, not its parts.
package lint

import (
	"fmt"
	"io"
	"slices"

	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/report"
	"github.com/oomguard/oomguard/rules"
)

// The types of a lint run, from lint/engine.
type (
	Check        = engine.Check
	Config       = engine.Config
	Diagnostic   = engine.Diagnostic
	Severity     = engine.Severity
	Options      = engine.Options
	Result       = engine.Result
	Baseline     = engine.Baseline
	TextEdit     = engine.TextEdit
	SinceError   = engine.SinceError
	NoRulesError = engine.NoRulesError
	// The online mode: the servers of a run, the files each evaluates.
	Online         = engine.Online
	Server         = engine.Server
	Glob           = engine.Glob
	BacktestConfig = engine.BacktestConfig
)

// Severities of findings.
const (
	Note    = engine.Note
	Info    = engine.Info
	Warning = engine.Warning
	Error   = engine.Error
)

// ErrNoFiles is a run whose directories and globs find no file the
// config's include and exclude globs let through, and nothing else.
var ErrNoFiles = engine.ErrNoFiles

// Inputs lints the inputs (engine.Inputs); Options.Checks nil means every
// check (Checks).
func Inputs(o Options) (*Result, error) {
	if o.Checks == nil {
		o.Checks = Checks()
	}
	return engine.Inputs(o)
}

// Run runs checks over loaded files (engine.Run).
func Run(files []*rules.File, loadErrs rules.ErrorList, cs []*Check, cfg *Config) []Diagnostic {
	return engine.Run(files, loadErrs, cs, cfg)
}

// Checks returns every check, in the registry's order (checks.All).
func Checks() []*Check { return checks.All() }

// UnknownCheckError is a check ID no check has.
type UnknownCheckError struct{ ID string }

func (e *UnknownCheckError) Error() string {
	return fmt.Sprintf("unknown check %q (oomguard checks lists them)", e.ID)
}

// Select turns checks off (disable) or runs only some (enable, policy
// checks included) in cfg, over what cfg says, as the --enable and
// --disable flags of lint ask. An ID no check has is an
// *UnknownCheckError, and cfg is then left as it was.
func Select(cfg *Config, enable, disable []string) error {
	all := Checks()
	known := map[string]bool{}
	for _, c := range all {
		known[c.ID] = true
	}
	for _, id := range append(append([]string{}, disable...), enable...) {
		if !known[id] {
			return &UnknownCheckError{ID: id}
		}
	}
	if cfg.Disabled == nil {
		cfg.Disabled = map[string]bool{}
	}
	if cfg.Enabled == nil {
		cfg.Enabled = map[string]bool{}
	}
	for _, id := range disable {
		cfg.Disabled[id] = true
	}
	if len(enable) > 0 {
		for _, c := range all {
			cfg.Disabled[c.ID] = !slices.Contains(enable, c.ID)
			cfg.Enabled[c.ID] = !cfg.Disabled[c.ID]
		}
	}
	return nil
}

// Formats are the output formats Write takes.
var Formats = report.Formats

// Write writes the findings of a run in an output format, naming the
// version of oomguard that found them (SARIF and JUnit say it).
func Write(w io.Writer, format string, res *Result, version string) error {
	meta := report.Meta{Checks: Checks(), Version: version, Source: res.Source, Edit: res.Edit}
	return report.Write(w, format, res.Diagnostics, meta)
}

// ParseSeverity reads info, warning or error.
func ParseSeverity(s string) (Severity, error) { return engine.ParseSeverity(s) }

// LoadBaseline reads a baseline file.
func LoadBaseline(path string, maxSize int64) (*Baseline, error) {
	return engine.LoadBaseline(path, maxSize)
}

// NewBaseline records findings as a baseline.
func NewBaseline(ds []Diagnostic) *Baseline { return engine.NewBaseline(ds) }

// SamplePaths names the first n paths, and how many more there are.
func SamplePaths(paths []string, n int) string { return engine.SamplePaths(paths, n) }
