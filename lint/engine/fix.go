package engine

import (
	"bytes"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/oomguard/oomguard/rules"
)

// ruleRef locates a rule in a file by indexes, which survive an edit that
// moves positions.
type ruleRef struct{ doc, group, rule int }

// ApplyFixes makes the fixes of the findings ds in the text of file f and
// returns the new text and the findings fixed. Fixes that cannot be made in
// place (rules.File.SourceEdit), or that overlap one already taken, are
// left. The new text is read back before it is returned: every fixed
// expression must read as the fix intends and the file must load with no
// more errors than before; otherwise ApplyFixes returns an error and no
// text. Everything outside the edits stays byte for byte.
func ApplyFixes(f *rules.File, ds []Diagnostic, opts rules.Options) ([]byte, []Diagnostic, error) {
	refs := map[rules.Pos]ruleRef{}
	for i, d := range f.Docs {
		for j, g := range d.Groups {
			for k, r := range g.Rules {
				refs[r.Expr.Pos] = ruleRef{i, j, k}
			}
		}
	}
	type edit struct {
		from, to int
		text     string
		d        Diagnostic
	}
	var edits []edit
	for _, d := range ds {
		if d.File != f.Path || d.Fix.IsZero() {
			continue
		}
		if _, ok := refs[d.Fix.Expr.Pos]; !ok {
			continue
		}
		from, to, text, ok := f.SourceEdit(d.Fix.Expr, d.Fix.Start, d.Fix.End, d.Fix.New)
		if ok {
			edits = append(edits, edit{from, to, text, d})
		}
	}
	if len(edits) == 0 {
		return nil, nil, nil
	}
	// From the end of the file backwards, so that offsets stay valid; an
	// edit overlapping the one after it is left for another run.
	slices.SortStableFunc(edits, func(a, b edit) int { return b.from - a.from })
	src := f.Source()
	out := slices.Clone(src)
	var fixed []Diagnostic
	want := map[ruleRef]string{}
	next := len(src) + 1
	for _, e := range edits {
		if e.to > next || e.to == next && e.from == next {
			continue
		}
		out = slices.Concat(out[:e.from], []byte(e.text), out[e.to:])
		next = e.from
		ref := refs[e.d.Fix.Expr.Pos]
		v, ok := want[ref]
		if !ok {
			v = e.d.Fix.Expr.Value
		}
		// Edits of one expression come from its end backwards too.
		want[ref] = v[:e.d.Fix.Start] + e.d.Fix.New + v[e.d.Fix.End:]
		fixed = append(fixed, e.d)
	}

	_, before := rules.Parse(f.Path, src, opts)
	g, after := rules.Parse(f.Path, out, opts)
	if len(after) > len(before) {
		return nil, nil, fmt.Errorf("%s: the fixes would make the file fail to load (%v); nothing was changed", f.Path, after[0])
	}
	for ref, v := range want {
		if ref.doc >= len(g.Docs) || ref.group >= len(g.Docs[ref.doc].Groups) || ref.rule >= len(g.Docs[ref.doc].Groups[ref.group].Rules) {
			return nil, nil, fmt.Errorf("%s: the fixes would move rules; nothing was changed", f.Path)
		}
		if got := g.Docs[ref.doc].Groups[ref.group].Rules[ref.rule].Expr.Value; got != v {
			return nil, nil, fmt.Errorf("%s: a fixed expression would read %q, not %q; nothing was changed", f.Path, got, v)
		}
	}
	slices.Reverse(fixed)
	return out, fixed, nil
}

// TextEdit is a fix as an edit of its file's text: the characters from
// Start up to End (not included) become Text. An insertion has End equal to
// Start.
type TextEdit struct {
	Start, End rules.Pos
	Text       string
}

// textEdits returns Result.Edit over the files linted: the fix of a finding
// as the edit ApplyFixes would make of its file's text. Findings in an
// evaluated mixin have none: the jsonnet is not edited.
func textEdits(files []*rules.File) func(Diagnostic) (TextEdit, bool) {
	byPath := map[string]*rules.File{}
	for _, f := range files {
		if f.Origin == nil {
			byPath[f.Path] = f
		}
	}
	return func(d Diagnostic) (TextEdit, bool) {
		f := byPath[d.File]
		if f == nil || d.Fix.IsZero() {
			return TextEdit{}, false
		}
		from, to, text, ok := f.SourceEdit(d.Fix.Expr, d.Fix.Start, d.Fix.End, d.Fix.New)
		if !ok {
			return TextEdit{}, false
		}
		src := f.Source()
		return TextEdit{Start: bytePos(src, from), End: bytePos(src, to), Text: text}, true
	}
}

// bytePos is the line and column (in characters) of byte off of src.
func bytePos(src []byte, off int) rules.Pos {
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	return rules.Pos{Line: bytes.Count(src[:off], []byte{'\n'}) + 1, Col: utf8.RuneCount(src[lineStart:off]) + 1}
}
