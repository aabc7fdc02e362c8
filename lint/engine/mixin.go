package engine

import (
	"bytes"
	"errors"
	"path/filepath"
	"sync/atomic"

	"github.com/oomguard/oomguard/jsonnet"
	"github.com/oomguard/oomguard/rules"
)

// isJsonnet reports whether an input is read as a jsonnet mixin.
func isJsonnet(path string) bool {
	ext := filepath.Ext(path)
	return ext == ".jsonnet" || ext == ".libsonnet"
}

// loadMixin evaluates a mixin and loads its rules. A mixin that does not
// evaluate is a load error at jsonnet's position.
func loadMixin(path string, opts jsonnet.MixinOptions) (*rules.File, rules.ErrorList) {
	mixinEvaluations.Add(1)
	f, errs, err := jsonnet.LoadMixin(path, opts)
	var ee *jsonnet.EvalError
	switch {
	case errors.As(err, &ee):
		return nil, rules.ErrorList{{File: ee.File, Pos: ee.Pos, Msg: "jsonnet: " + ee.Msg}}
	case err != nil:
		return nil, rules.ErrorList{{File: path, Pos: rules.Pos{Line: 1, Col: 1}, Msg: "jsonnet: " + err.Error()}}
	}
	return f, errs
}

// mixinEvaluations counts the mixins evaluated, for the tests that hold a
// run to one evaluation a mixin.
var mixinEvaluations atomic.Int64

// relocate moves findings in the evaluated rules of a mixin to its
// jsonnet: to where the rule's (or else the group's) name is written
// (jsonnet.Locate).
func relocate(f *rules.File, ds []Diagnostic) {
	for i := range ds {
		d := &ds[i]
		loc := jsonnet.Locate(f, d.Group, d.Rule, d.Pos)
		d.File, d.Pos, d.End = loc.File, loc.Pos, loc.End
		d.Group, d.Rule = loc.Group, loc.Rule
		d.Message += loc.Note
	}
}

// sourceLine returns line n of file, a file linted or a jsonnet file a
// mixin read, for showing findings with their source line.
func sourceLine(files []*rules.File) func(file string, n int) ([]byte, bool) {
	byPath := map[string]*rules.File{}
	var origins []*rules.Origin
	for _, f := range files {
		if f.Origin != nil {
			origins = append(origins, f.Origin)
			continue
		}
		byPath[f.Path] = f
	}
	return func(file string, n int) ([]byte, bool) {
		for _, o := range origins {
			for _, s := range o.Sources {
				if s.Path != file {
					continue
				}
				if l, ok := lineOf(s.Text, n); ok {
					return l, true
				}
			}
		}
		f := byPath[file]
		if f == nil || n > f.LineCount() {
			return nil, false
		}
		return f.Line(n), true
	}
}

// lineOf returns line n (1-based) of text.
func lineOf(text []byte, n int) ([]byte, bool) {
	lines := bytes.Split(text, []byte("\n"))
	if n < 1 || n > len(lines) {
		return nil, false
	}
	return lines[n-1], true
}
