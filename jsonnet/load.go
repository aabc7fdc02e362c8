package jsonnet

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/oomguard/oomguard/rules"
)

// LoadMixin evaluates the prometheusRules and prometheusAlerts of the
// mixin at path (EvaluateMixin) and loads them as one rule file of that
// path, with the loader's errors. The file's Origin holds the jsonnet
// files the evaluation read, so that Locate finds where a rule is written;
// positions in the file are in the evaluated rules. A mixin that does not
// evaluate, or whose output is not a rule file, is an *EvalError.
func LoadMixin(path string, opts MixinOptions) (*rules.File, rules.ErrorList, error) {
	m, err := EvaluateMixin(path, opts)
	if err != nil {
		return nil, nil, err
	}
	data, err := MergeGroups(m.Rules, m.Alerts)
	if err != nil {
		return nil, nil, limitError(path, err.Error())
	}
	origin := &rules.Origin{}
	for _, f := range m.Files {
		if src, err := rules.ReadRegular(f, opts.Load.MaxFileSize); err == nil {
			origin.Sources = append(origin.Sources, rules.Source{Path: displayPath(f), Text: src})
		}
	}
	f, errs := rules.Parse(path, data, opts.Load)
	f.Origin = origin
	return f, errs, nil
}

// Location is where the text something in a mixin's evaluated rules is
// about is written in its jsonnet.
type Location struct {
	File     string
	Pos, End rules.Pos
	// Group and Rule are the group and rule located.
	Group, Rule string
	// Note says what the location stands for when it is not where the
	// rule's name is written: " (rule X of this group)".
	Note string
}

// Locate returns where a rule of a mixin loaded with LoadMixin is written
// in its jsonnet: where its name is written as a string literal, else the
// name of its group. The rule is given by its group and name, or when the
// name is "" by a position in the evaluated rules. jsonnet keeps no trace of
// where a value came from, so a name that is built (by concatenation or
// formatting) cannot be found: the location is then the mixin file, with a
// note that says which rule it is about.
func Locate(f *rules.File, group, rule string, at rules.Pos) Location {
	if rule == "" {
		group, rule = ruleAt(f, at)
	}
	if rule != "" {
		if file, pos, ok := find(f.Origin, rule, "alert", "record"); ok {
			loc := Location{File: file, Pos: pos, End: endOf(pos, rule), Group: group, Rule: rule}
			if which := whichOf(f, rule, at); which != "" {
				loc.Note = fmt.Sprintf(" (the %s %s)", rule, which)
			}
			return loc
		}
	}
	if group != "" {
		if file, pos, ok := find(f.Origin, group, "name"); ok {
			loc := Location{File: file, Pos: pos, End: endOf(pos, group), Group: group, Rule: rule}
			if rule != "" {
				loc.Note = fmt.Sprintf(" (rule %s of this group%s)", rule, also(whichOf(f, rule, at)))
			}
			return loc
		}
	}
	loc := Location{File: f.Path, Pos: rules.Pos{Line: 1, Col: 1}, Group: group, Rule: rule}
	loc.End = loc.Pos
	switch {
	case rule != "":
		loc.Note = fmt.Sprintf(" (rule %s of group %s, in the evaluated mixin%s)", rule, group, also(whichOf(f, rule, at)))
	case group != "":
		loc.Note = fmt.Sprintf(" (group %s, in the evaluated mixin)", group)
	}
	return loc
}

// whichOf says which of the rules named name the one at position at is,
// when several have that name and so one place in the jsonnet (rules built
// in a loop, a warning and a critical alert): by the labels that tell them
// apart ("with labels severity=warning"), else by its group, else by its
// number. "" when the name is the rule's alone.
func whichOf(f *rules.File, name string, at rules.Pos) string {
	var same []*rules.Rule
	var groups []string
	var this *rules.Rule
	for _, g := range f.Groups() {
		for _, r := range g.Rules {
			if !at.Less(r.Pos) {
				this = r
			}
			if r.Name() == name {
				same = append(same, r)
				groups = append(groups, g.Name.Value)
			}
		}
	}
	if len(same) < 2 || this == nil || this.Name() != name {
		return ""
	}
	n := slices.Index(same, this)
	// The labels whose values differ among them.
	var keys []string
	for _, r := range same {
		for _, p := range r.Labels {
			if !slices.Contains(keys, p.Key.Value) {
				keys = append(keys, p.Key.Value)
			}
		}
	}
	slices.Sort(keys)
	var differ []string
	for _, k := range keys {
		v, _ := this.Labels.Get(k)
		for _, r := range same {
			if w, _ := r.Labels.Get(k); w.Value != v.Value {
				differ = append(differ, k+"="+v.Value)
				break
			}
		}
	}
	switch {
	case len(differ) > 0:
		return "with labels " + strings.Join(differ, ", ")
	case count(groups, groups[n]) == 1:
		return "of group " + groups[n]
	}
	return fmt.Sprintf("number %d of the %d of that name", n+1, len(same))
}

// also joins a phrase of whichOf to a note.
func also(which string) string {
	if which == "" {
		return ""
	}
	return ", " + which
}

// ruleAt returns the group and rule of the evaluated rules a position is
// in: the last to start at or before it.
func ruleAt(f *rules.File, p rules.Pos) (group, rule string) {
	for _, g := range f.Groups() {
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

// find returns where name is written as a string literal in the sources,
// preferring a line that also holds one of the keys.
func find(o *rules.Origin, name string, keys ...string) (string, rules.Pos, bool) {
	if o == nil {
		return "", rules.Pos{}, false
	}
	var fallback *struct {
		file string
		pos  rules.Pos
	}
	for _, s := range o.Sources {
		src := s.Text
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
						return s.Path, pos, true
					}
				}
				if fallback == nil {
					fallback = &struct {
						file string
						pos  rules.Pos
					}{s.Path, pos}
				}
			}
		}
	}
	if fallback != nil {
		return fallback.file, fallback.pos, true
	}
	return "", rules.Pos{}, false
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

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}
