package jsonnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	gojsonnet "github.com/google/go-jsonnet"
)

// MixinOptions bound the evaluation of a mixin that is not the pack.
type MixinOptions struct {
	// JPath are the library directories imports may come from, besides
	// the mixin's own directory.
	JPath []string
	// MaxStack bounds the evaluation's stack depth (0: 500).
	MaxStack int
	// Timeout bounds the evaluation's time (0: 30s).
	Timeout time.Duration
}

// Mixin is a mixin's rules and alerts, as JSON ({"groups": [...]}).
type Mixin struct {
	Rules  json.RawMessage
	Alerts json.RawMessage
	// Files are the jsonnet files the evaluation read, the mixin first,
	// then its imports in the order they were first read.
	Files []string
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
// files. Errors carry jsonnet's own file:line:col.
func EvaluateMixin(path string, opts MixinOptions) (*Mixin, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	roots := []string{filepath.Dir(abs)}
	for _, j := range opts.JPath {
		a, err := filepath.Abs(j)
		if err != nil {
			return nil, err
		}
		roots = append(roots, a)
	}
	imp := &sandboxImporter{roots: roots, jpath: roots[1:]}
	vm := gojsonnet.MakeVM()
	vm.Importer(imp)
	vm.MaxStack = opts.MaxStack
	if vm.MaxStack <= 0 {
		vm.MaxStack = 500
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	vm.ExtCode("oomguardMixin", fmt.Sprintf("import %q", abs))
	// A file that is not an object (a function to call with arguments, a
	// library of values) is said so, in the same evaluation.
	snippet := `
local m = std.extVar('oomguardMixin');
if !std.isObject(m) then { notMixin: std.type(m) } else {
  rules: if std.objectHasAll(m, 'prometheusRules') then m.prometheusRules else { groups: [] },
  alerts: if std.objectHasAll(m, 'prometheusAlerts') then m.prometheusAlerts else { groups: [] },
}
`
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := vm.EvaluateAnonymousSnippet("<oomguard>", snippet)
		done <- result{out, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(timeout):
		// go-jsonnet cannot be stopped: the evaluation is left to the
		// process's end.
		return nil, fmt.Errorf("%s: evaluation took longer than %v", path, timeout)
	}
	if r.err != nil {
		// Keep jsonnet's message and the frames in the mixin's files; drop
		// those of the wrapper and of the standard library.
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(r.err.Error()), "\n") {
			t := strings.TrimSpace(l)
			if strings.HasPrefix(t, "<oomguard>") || strings.HasPrefix(t, "<extvar:") || strings.HasPrefix(t, "<std>") {
				continue
			}
			lines = append(lines, l)
		}
		return nil, errors.New(strings.Join(lines, "\n"))
	}
	var parts struct {
		Rules, Alerts json.RawMessage
		NotMixin      string
	}
	if err := json.Unmarshal([]byte(r.out), &parts); err != nil {
		return nil, err
	}
	if parts.NotMixin == "function" {
		return nil, fmt.Errorf("%s is a jsonnet function, not a mixin: call it in a file of your own, local mixin = (import '%s')(...); mixin, and give that file", path, filepath.Base(path))
	}
	if parts.NotMixin != "" {
		what := map[string]string{"array": "an array", "null": "null"}[parts.NotMixin]
		if what == "" {
			what = "a " + parts.NotMixin
		}
		return nil, fmt.Errorf("%s evaluates to %s, not a mixin: a mixin is an object with prometheusRules or prometheusAlerts", path, what)
	}
	return &Mixin{Rules: parts.Rules, Alerts: parts.Alerts, Files: imp.read}, nil
}

// sandboxImporter reads imports from disk, only inside its roots.
type sandboxImporter struct {
	roots []string
	jpath []string
	cache map[string]gojsonnet.Contents
	read  []string
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
		data, err := os.ReadFile(real)
		if err != nil {
			return gojsonnet.Contents{}, "", err
		}
		contents := gojsonnet.MakeContents(string(data))
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
