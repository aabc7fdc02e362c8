package jsonnet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	gojsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/toolutils"

	"github.com/oomguard/oomguard/rules"
)

// Defaults of MixinOptions.
const (
	// DefaultMaxStack is the deepest the evaluation's calls may nest.
	DefaultMaxStack = 500
	// DefaultTimeout is the longest an evaluation may take.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxMemory is the most memory an evaluation may use. Real
	// mixins need far less: kubernetes-mixin's rules and alerts evaluate
	// in under 100 MiB.
	DefaultMaxMemory = 512 << 20
)

// MixinOptions bound the evaluation of a mixin that is not the pack.
type MixinOptions struct {
	// JPath are the library directories imports may come from, besides
	// the mixin's own directory.
	JPath []string
	// MaxStack bounds the evaluation's stack depth (0: DefaultMaxStack).
	// Every call counts, tail calls too: tailstrict does not take a call
	// off the stack.
	MaxStack int
	// Timeout bounds the evaluation's time (0: DefaultTimeout); the
	// evaluation is stopped when it runs out.
	Timeout time.Duration
	// MaxMemory bounds the memory of the evaluation in bytes (0:
	// DefaultMaxMemory); the evaluation is stopped when it goes over.
	MaxMemory int64
	// InProcess evaluates in the calling process instead of a child
	// process of its own executable. The stack limit holds, but memory is
	// not bounded and an evaluation that runs out of time is abandoned,
	// not stopped: only for mixins that are trusted.
	InProcess bool
	// Load bounds the files the evaluation imports (Load.MaxFileSize) and
	// how LoadMixin loads the evaluated rules.
	Load rules.Options
}

func (o MixinOptions) withDefaults() MixinOptions {
	if o.MaxStack <= 0 {
		o.MaxStack = DefaultMaxStack
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = DefaultMaxMemory
	}
	return o
}

// Mixin is a mixin's rules and alerts, as JSON ({"groups": [...]}).
type Mixin struct {
	Rules  json.RawMessage
	Alerts json.RawMessage
	// Files are the jsonnet files the evaluation read, the mixin first,
	// then its imports in the order they were first read.
	Files []string
}

// EvalError is a mixin that does not evaluate: a jsonnet error (syntax,
// runtime, an import the sandbox refuses) or a limit the evaluation went
// over. Error gives jsonnet's whole message, with its stack trace in the
// mixin's files; File, Pos and Msg its first line.
type EvalError struct {
	// File and Pos are the first position jsonnet's message names, where
	// it went wrong; for a limit, the mixin at 1:1.
	File string
	Pos  rules.Pos
	// Msg is the first line of the message, without positions.
	Msg  string
	text string
}

func (e *EvalError) Error() string { return e.text }

// jsonnetPos is the first file:line:col of a jsonnet message, and the span
// or colon that may follow.
var jsonnetPos = regexp.MustCompile(`(\S+?):(\d+):(\d+)(?:-\d+)?(?::)?\s*`)

// newEvalError reads a jsonnet error message: its first line, and the first
// position it names, from the stack trace when the first line has none.
func newEvalError(mixin, text string) *EvalError {
	e := &EvalError{File: mixin, Pos: rules.Pos{Line: 1, Col: 1}, text: text}
	first, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	e.Msg = strings.TrimSpace(jsonnetPos.ReplaceAllString(first, ""))
	e.Msg = strings.TrimPrefix(e.Msg, "RUNTIME ERROR: ")
	if at := jsonnetPos.FindStringSubmatch(text); at != nil {
		line, _ := strconv.Atoi(at[2])
		col, _ := strconv.Atoi(at[3])
		e.File, e.Pos = displayPath(at[1]), rules.Pos{Line: line, Col: col}
	}
	return e
}

// limitError is a limit the evaluation went over, or an output that is
// not a rule file, at the mixin.
func limitError(mixin, msg string) *EvalError {
	return &EvalError{File: mixin, Pos: rules.Pos{Line: 1, Col: 1}, Msg: msg, text: mixin + ": " + msg}
}

// MergeGroups joins the groups of rule files as JSON (a mixin's rules and
// alerts) into one rule file, indented JSON.
func MergeGroups(parts ...json.RawMessage) ([]byte, error) {
	var all struct {
		Groups []json.RawMessage `json:"groups"`
	}
	for _, p := range parts {
		var one struct {
			Groups []json.RawMessage `json:"groups"`
		}
		if err := json.Unmarshal(p, &one); err != nil {
			return nil, fmt.Errorf("the mixin's output is not a rule file: %w", err)
		}
		all.Groups = append(all.Groups, one.Groups...)
	}
	return json.MarshalIndent(all, "", "  ")
}

// EvaluateMixin evaluates the prometheusRules and prometheusAlerts of the
// mixin at path, and nothing else of it. Imports are resolved from the
// importing file's directory, then from opts.JPath, and must stay inside
// the mixin's directory or a JPath directory: a mixin cannot read other
// files. A mixin that does not evaluate, or goes over a limit, gives an
// *EvalError with jsonnet's own file:line:col.
//
// The evaluation runs in a child process of this executable (started again
// in a mode the package sets up when it is loaded, whatever the program's
// main does), which is killed when it runs out of time or memory: go-jsonnet
// itself can be neither stopped nor bounded in memory. opts.InProcess
// evaluates here instead.
func EvaluateMixin(path string, opts MixinOptions) (*Mixin, error) {
	opts = opts.withDefaults()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	req := request{Path: path, Abs: abs, MaxStack: opts.MaxStack, MaxMemory: opts.MaxMemory, MaxFileSize: opts.Load.MaxFileSize}
	for _, j := range opts.JPath {
		a, err := filepath.Abs(j)
		if err != nil {
			return nil, err
		}
		req.JPath = append(req.JPath, a)
	}
	if opts.InProcess {
		return evaluateInProcess(req, opts.Timeout)
	}
	return evaluateInChild(req, opts.Timeout)
}

// request is an evaluation, as the parent sends it to the child.
type request struct {
	Path      string
	Abs       string
	JPath     []string
	MaxStack  int
	MaxMemory int64
	// MaxFileSize bounds each file imported (0: rules.DefaultMaxFileSize).
	MaxFileSize int64
}

// evaluateInProcess evaluates in this process, abandoning the evaluation
// when it runs out of time.
func evaluateInProcess(req request, timeout time.Duration) (*Mixin, error) {
	type result struct {
		m   *Mixin
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := evaluateMixin(req)
		done <- result{m, err}
	}()
	select {
	case r := <-done:
		return r.m, r.err
	case <-time.After(timeout):
		return nil, limitError(req.Path, fmt.Sprintf("evaluation took longer than %v", timeout))
	}
}

// evaluateMixin runs the evaluation.
func evaluateMixin(req request) (*Mixin, error) {
	roots := append([]string{filepath.Dir(req.Abs)}, req.JPath...)
	imp := &sandboxImporter{roots: roots, jpath: req.JPath, maxSize: req.MaxFileSize}
	vm := gojsonnet.MakeVM()
	vm.Importer(imp)
	vm.MaxStack = req.MaxStack
	vm.ExtCode("oomguardMixin", fmt.Sprintf("import %q", req.Abs))
	// A file that is not an object (a function to call with arguments, a
	// library of values) is said so, in the same evaluation.
	out, err := vm.EvaluateAnonymousSnippet("<oomguard>", `
local m = std.extVar('oomguardMixin');
if !std.isObject(m) then { notMixin: std.type(m) } else {
  rules: if std.objectHasAll(m, 'prometheusRules') then m.prometheusRules else { groups: [] },
  alerts: if std.objectHasAll(m, 'prometheusAlerts') then m.prometheusAlerts else { groups: [] },
}
`)
	if err != nil {
		// Keep jsonnet's message and the frames in the mixin's files; drop
		// those of the wrapper and of the standard library.
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
			t := strings.TrimSpace(l)
			if strings.HasPrefix(t, "<oomguard>") || strings.HasPrefix(t, "<extvar:") || strings.HasPrefix(t, "<std>") {
				continue
			}
			lines = append(lines, l)
		}
		return nil, newEvalError(req.Path, strings.Join(lines, "\n"))
	}
	var parts struct {
		Rules, Alerts json.RawMessage
		NotMixin      string
	}
	if err := json.Unmarshal([]byte(out), &parts); err != nil {
		return nil, err
	}
	if parts.NotMixin == "function" {
		return nil, fmt.Errorf("%s is a jsonnet function, not a mixin: call it in a file of your own, local mixin = (import '%s')(...); mixin, and give that file", req.Path, filepath.Base(req.Path))
	}
	if parts.NotMixin != "" {
		what := map[string]string{"array": "an array", "null": "null"}[parts.NotMixin]
		if what == "" {
			what = "a " + parts.NotMixin
		}
		return nil, fmt.Errorf("%s evaluates to %s, not a mixin: a mixin is an object with prometheusRules or prometheusAlerts", req.Path, what)
	}
	return &Mixin{Rules: parts.Rules, Alerts: parts.Alerts, Files: imp.read}, nil
}

// sandboxImporter reads imports from disk, only inside its roots.
type sandboxImporter struct {
	roots []string
	jpath []string
	cache map[string]gojsonnet.Contents
	read  []string
	// maxSize bounds each file read (0: rules.DefaultMaxFileSize).
	maxSize int64
}

func (s *sandboxImporter) Import(importedFrom, importedPath string) (gojsonnet.Contents, string, error) {
	if s.cache == nil {
		s.cache = map[string]gojsonnet.Contents{}
	}
	var candidates []string
	if filepath.IsAbs(importedPath) {
		candidates = []string{importedPath}
	} else {
		if importedFrom != "" && importedFrom != "<oomguard>" {
			candidates = append(candidates, filepath.Join(filepath.Dir(importedFrom), importedPath))
		}
		for _, j := range s.jpath {
			candidates = append(candidates, filepath.Join(j, importedPath))
		}
	}
	for _, c := range candidates {
		c = filepath.Clean(c)
		if contents, ok := s.cache[c]; ok {
			return contents, c, nil
		}
		real, err := filepath.EvalSymlinks(c)
		if err != nil {
			continue // not there; try the next place
		}
		if !s.inside(real) {
			return gojsonnet.Contents{}, "", fmt.Errorf("import %q: %s is outside the mixin's directory and -J directories", importedPath, c)
		}
		data, err := rules.ReadRegular(real, s.maxSize)
		if err != nil {
			return gojsonnet.Contents{}, "", fmt.Errorf("import %q: %w", importedPath, err)
		}
		contents := gojsonnet.MakeContents(string(withoutTailstrict(c, data)))
		s.cache[c] = contents
		s.read = append(s.read, c)
		return contents, c, nil
	}
	return gojsonnet.Contents{}, "", fmt.Errorf("import %q: not found in the mixin's directory or -J directories", importedPath)
}

func (s *sandboxImporter) inside(path string) bool {
	for _, r := range s.roots {
		rr, err := filepath.EvalSymlinks(r)
		if err != nil {
			rr = r
		}
		if path == rr || strings.HasPrefix(path, rr+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// withoutTailstrict blanks out the tailstrict keyword of every call in a
// jsonnet file. go-jsonnet takes a tailstrict call off its stack, so that
// MaxStack does not see it, but not off the Go stack: an endless tail
// recursion would end in a Go stack overflow, not a jsonnet error. Without
// the keyword every call counts, and recursion ends with "max stack frames
// exceeded" at its place. Positions do not move: the keyword becomes
// spaces. Text that does not parse as jsonnet (importstr data) is left as
// it is.
func withoutTailstrict(name string, src []byte) []byte {
	if !bytes.Contains(src, []byte("tailstrict")) {
		return src
	}
	node, err := gojsonnet.SnippetToAST(name, string(src))
	if err != nil {
		return src
	}
	lineStart := []int{0}
	for i, c := range src {
		if c == '\n' {
			lineStart = append(lineStart, i+1)
		}
	}
	out := bytes.Clone(src)
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		if n == nil {
			return
		}
		if a, ok := n.(*ast.Apply); ok && a.TailStrict {
			end := a.Loc().End
			if end.Line >= 1 && end.Line <= len(lineStart) {
				if at := keywordAfter(out, lineStart[end.Line-1]+end.Column-1, "tailstrict"); at >= 0 {
					copy(out[at:], "          ")
				}
			}
		}
		for _, c := range toolutils.Children(n) {
			walk(c)
		}
	}
	walk(node)
	return out
}

// keywordAfter returns the offset of kw as the next token at or after off,
// past blanks and comments, or -1.
func keywordAfter(src []byte, off int, kw string) int {
	for off < len(src) {
		switch {
		case src[off] == ' ' || src[off] == '\t' || src[off] == '\n' || src[off] == '\r':
			off++
		case src[off] == '#' || bytes.HasPrefix(src[off:], []byte("//")):
			for off < len(src) && src[off] != '\n' {
				off++
			}
		case bytes.HasPrefix(src[off:], []byte("/*")):
			end := bytes.Index(src[off+2:], []byte("*/"))
			if end < 0 {
				return -1
			}
			off += 2 + end + 2
		default:
			if bytes.HasPrefix(src[off:], []byte(kw)) {
				return off
			}
			return -1
		}
	}
	return -1
}
