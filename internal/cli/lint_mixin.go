package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oomguard/oomguard/jsonnet"
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

// isJsonnet reports whether lint reads an input as a jsonnet mixin.
func isJsonnet(path string) bool {
	ext := filepath.Ext(path)
	return ext == ".jsonnet" || ext == ".libsonnet"
}

// mixinInput is a jsonnet mixin given to lint: its prometheusRules and
// prometheusAlerts are evaluated and loaded as a rule file of the name
// evaluated; findings in it are then moved to the jsonnet source.
type mixinInput struct {
	path      string
	evaluated string
	// sources are the jsonnet files the evaluation read, by path.
	sources map[string][]byte
	order   []string
	// file is the evaluated rule file as loaded.
	file *rules.File
}

// jsonnetErrPos finds the first file:line:col of a jsonnet error message.
var jsonnetErrPos = regexp.MustCompile(`(\S+?):(\d+):(\d+)`)

// jsonnetErrSpan is a file:line:col(-col) inside a jsonnet message.
var jsonnetErrSpan = regexp.MustCompile(`\S+:\d+:\d+(-\d+)?(:)?\s*`)

// loadMixin evaluates a mixin and loads its rules. An evaluation error is
// returned as a load error at jsonnet's position.
func loadMixin(path string, opts jsonnet.MixinOptions) (*rules.File, rules.ErrorList, *mixinInput) {
	in := &mixinInput{path: path, evaluated: path + " (evaluated)", sources: map[string][]byte{}}
	m, err := jsonnet.EvaluateMixin(path, opts)
	if err == nil {
		var data []byte
		if data, err = jsonnet.MergeGroups(m.Rules, m.Alerts); err == nil {
			for _, f := range m.Files {
				if src, err := os.ReadFile(f); err == nil {
					in.sources[f] = src
					in.order = append(in.order, f)
				}
			}
			f, errs := rules.Parse(in.evaluated, data, rules.Options{})
			in.file = f
			return f, errs, in
		}
	}
	// jsonnet's message is its first line; the stack trace follows, and its
	// first frame is where it went wrong.
	msg := strings.TrimSpace(err.Error())
	first, _, _ := strings.Cut(msg, "\n")
	// The position is shown apart; drop it from the words.
	first = strings.TrimSpace(jsonnetErrSpan.ReplaceAllString(first, ""))
	e := &rules.Error{File: path, Pos: rules.Pos{Line: 1, Col: 1}, Msg: "jsonnet: " + first}
	if at := jsonnetErrPos.FindStringSubmatch(msg); at != nil {
		line, _ := strconv.Atoi(at[2])
		col, _ := strconv.Atoi(at[3])
		e.File, e.Pos = displayPath(at[1]), rules.Pos{Line: line, Col: col}
	}
	return nil, rules.ErrorList{e}, nil
}

// relocate moves the findings in a mixin's evaluated rules to the jsonnet
// source: to where the rule's (or else the group's) name is written as a
// string literal. jsonnet keeps no trace of where a value came from, so a
// name that is built (by concatenation or formatting) cannot be found; the
// finding then names the mixin file and says which rule it is about.
func (in *mixinInput) relocate(ds []lint.Diagnostic) {
	for i := range ds {
		d := &ds[i]
		if d.File != in.evaluated {
			continue
		}
		if d.Rule == "" && in.file != nil {
			// Loader errors know only their position in the evaluated
			// rules: find the rule (or group) they are in.
			d.Group, d.Rule = in.ruleAt(d.Pos)
		}
		if d.Rule != "" {
			if file, pos, ok := in.find(d.Rule, "alert", "record"); ok {
				d.File, d.Pos, d.End = file, pos, endOf(pos, d.Rule)
				continue
			}
		}
		if d.Group != "" {
			if file, pos, ok := in.find(d.Group, "name"); ok {
				d.File, d.Pos, d.End = file, pos, endOf(pos, d.Group)
				if d.Rule != "" {
					d.Message += fmt.Sprintf(" (rule %s of this group)", d.Rule)
				}
				continue
			}
		}
		d.File, d.Pos = in.path, rules.Pos{Line: 1, Col: 1}
		d.End = d.Pos
		switch {
		case d.Rule != "":
			d.Message += fmt.Sprintf(" (rule %s of group %s, in the evaluated mixin)", d.Rule, d.Group)
		case d.Group != "":
			d.Message += fmt.Sprintf(" (group %s, in the evaluated mixin)", d.Group)
		}
	}
}

// ruleAt returns the group and rule of the evaluated rules a position is
// in: the last to start at or before it.
func (in *mixinInput) ruleAt(p rules.Pos) (group, rule string) {
	for _, g := range in.file.Groups() {
		if p.Less(g.Pos) {
			break
		}
		group, rule = g.Name.Value, ""
		for _, r := range g.Rules {
			if p.Less(r.Pos) {
				break
			}
			rule = r.Alert.Value + r.Record.Value
		}
	}
	return group, rule
}

// endOf is the end of name written at pos.
func endOf(pos rules.Pos, name string) rules.Pos {
	return rules.Pos{Line: pos.Line, Col: pos.Col + utf8.RuneCountInString(name)}
}

// find returns where name is written as a string literal, preferring a
// line that also holds one of the keys.
func (in *mixinInput) find(name string, keys ...string) (string, rules.Pos, bool) {
	var fallback *struct {
		file string
		pos  rules.Pos
	}
	for _, f := range in.order {
		src := in.sources[f]
		for _, q := range []string{"'", `"`} {
			lit := []byte(q + name + q)
			for off := 0; ; {
				i := bytes.Index(src[off:], lit)
				if i < 0 {
					break
				}
				at := off + i
				off = at + len(lit)
				lineStart := bytes.LastIndexByte(src[:at], '\n') + 1
				lineEnd := bytes.IndexByte(src[at:], '\n')
				if lineEnd < 0 {
					lineEnd = len(src) - at
				}
				line := string(src[lineStart : at+lineEnd])
				pos := rules.Pos{Line: bytes.Count(src[:at], []byte("\n")) + 1, Col: utf8.RuneCount(src[lineStart:at]) + 2}
				for _, k := range keys {
					if strings.Contains(line, k) {
						return displayPath(f), pos, true
					}
				}
				if fallback == nil {
					fallback = &struct {
						file string
						pos  rules.Pos
					}{displayPath(f), pos}
				}
			}
		}
	}
	if fallback != nil {
		return fallback.file, fallback.pos, true
	}
	return "", rules.Pos{}, false
}

// source returns a line of one of the mixin's files, for the caret view.
func (in *mixinInput) source(file string, line int) ([]byte, bool) {
	for f, src := range in.sources {
		if displayPath(f) != file {
			continue
		}
		lines := bytes.Split(src, []byte("\n"))
		if line < 1 || line > len(lines) {
			return nil, false
		}
		return lines[line-1], true
	}
	return nil, false
}

// displayPath shows an absolute path relative to the working directory
// when it is below it.
func displayPath(p string) string {
	if !filepath.IsAbs(p) {
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	rel, err := filepath.Rel(wd, p)
	if err != nil || strings.HasPrefix(rel, "..") {
		return p
	}
	return rel
}
