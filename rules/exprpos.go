package rules

import (
	"bytes"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// scalarStyle is how a scalar was written in YAML.
type scalarStyle uint8

const (
	stylePlain scalarStyle = iota
	styleSingle
	styleDouble
	styleLiteral
	styleFolded
	// styleBinary is a !!binary scalar, decoded: its bytes do not stand in
	// the source.
	styleBinary
)

func styleOf(n *yaml.Node) scalarStyle {
	switch {
	case n.Style&yaml.LiteralStyle != 0:
		return styleLiteral
	case n.Style&yaml.FoldedStyle != 0:
		return styleFolded
	case n.Style&yaml.SingleQuotedStyle != 0:
		return styleSingle
	case n.Style&yaml.DoubleQuotedStyle != 0:
		return styleDouble
	}
	return stylePlain
}

// PosAt returns the position in the file of byte offset off of s.Value: the
// line and column of that character as it stands in the source, through the
// scalar's style (plain, quoted, literal or folded), line folding and escape
// sequences included. When the mapping cannot be made (s does not come from
// f, or off is out of range), it returns s.Pos.
func (f *File) PosAt(s Str, off int) Pos {
	if f == nil || f.src == nil {
		return s.Pos
	}
	return posAt(f.src, s, off)
}

// Positions returns a function that is f.PosAt(s, off) for every off, and
// lines s up with the source once, for all of them: for the positions of
// several parts of one value.
func (f *File) Positions(s Str) func(off int) Pos {
	if f == nil || f.src == nil {
		return func(int) Pos { return s.Pos }
	}
	return positions(f.src, s)
}

func positions(src *source, s Str) func(off int) Pos {
	var a *alignment
	return func(off int) Pos {
		if off < 0 || off > len(s.Value) {
			return s.Pos
		}
		if a == nil {
			a = src.alignment(s)
		}
		if !a.ok {
			return s.Pos
		}
		return src.pos(a.at(off))
	}
}

func posAt(src *source, s Str, off int) Pos {
	if off < 0 || off > len(s.Value) {
		return s.Pos
	}
	a := src.alignment(s)
	if !a.ok {
		return s.Pos
	}
	return src.pos(a.at(off))
}

// alignment is what align returns for a value, kept as runs of bytes that
// lie one after the other in the source: the checks ask for positions in
// the same expression again and again, and lining a value up costs a
// slice as long as it.
type alignment struct {
	ok   bool // false: the value does not line up with the source
	runs []alignRun
}

// alignRun is a run of a value's bytes from val on, read from the source
// from src on, one byte after the other, up to the next run.
type alignRun struct{ val, src int }

// alignKey is what align reads of a Str.
type alignKey struct {
	pos, keyPos Pos
	style       scalarStyle
	value       string
}

// alignment returns align(src, s) as runs, lined up once per value.
func (src *source) alignment(s Str) *alignment {
	k := alignKey{s.Pos, s.KeyPos, s.style, s.Value}
	if a, ok := src.aligned.Load(k); ok {
		return a.(*alignment)
	}
	// The offsets are only a step to the runs: lined up in a buffer used
	// again, rather than in a slice as long as the value each time.
	buf := alignBufs.Get().(*[]int)
	offs := alignInto(*buf, src, s)
	a := &alignment{ok: offs != nil}
	for i, o := range offs {
		if i == 0 || o != offs[i-1]+1 {
			a.runs = append(a.runs, alignRun{val: i, src: o})
		}
	}
	if offs != nil && cap(offs) <= maxAlignBuf {
		*buf = offs[:0]
	}
	alignBufs.Put(buf)
	src.aligned.Store(k, a)
	return a
}

// alignBufs are the buffers alignment lines values up in; one larger than
// maxAlignBuf offsets is not kept.
var alignBufs = sync.Pool{New: func() any { return new([]int) }}

const maxAlignBuf = 1 << 16

// at is the offset in the source of byte off of the value (0 <= off <=
// len(value)).
func (a *alignment) at(off int) int {
	i := sort.Search(len(a.runs), func(i int) bool { return a.runs[i].val > off }) - 1
	return a.runs[i].src + off - a.runs[i].val
}

// align maps every byte of s.Value to the byte offset in src it was
// decoded from, with one more entry for the end of the value. It returns nil
// when s cannot be lined up with the source.
func align(src *source, s Str) []int {
	return alignInto(nil, src, s)
}

// alignInto is align, appending to offs[:0] (it may return it, grown).
func alignInto(offs []int, src *source, s Str) []int {
	if !s.Pos.IsValid() {
		return nil
	}
	start := src.offset(s.Pos)
	if start < 0 {
		return nil
	}
	switch s.style {
	case stylePlain:
		return alignFlow(offs, src.text, start, s.Value, 0)
	case styleSingle:
		return alignFlow(offs, src.text, start+1, s.Value, '\'')
	case styleDouble:
		return alignFlow(offs, src.text, start+1, s.Value, '"')
	case styleLiteral, styleFolded:
		return alignBlock(offs, src, s)
	}
	return nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }
func isBreak(c byte) bool { return c == '\n' || c == '\r' }

// alignFlow maps every byte of value, a plain or quoted scalar whose content
// starts at text[i], to the byte of text it was decoded from, plus one
// entry for the end of value. It follows YAML's rules for flow scalars:
// trailing blanks of a line are dropped, a single line break folds into a
// space, n > 1 breaks become n-1 newlines, leading blanks of a continuation
// line are dropped; in single quotes ” is one quote; in double quotes
// escapes are decoded and an escaped line break joins lines. It returns nil
// when value is not what text decodes to, so a wrong mapping is never
// returned.
func alignFlow(offs []int, text []byte, i int, value string, quote byte) []int {
	offs = slices.Grow(offs[:0], len(value)+1)
	j := 0
	emit := func(b []byte, at int) bool {
		if j+len(b) > len(value) || value[j:j+len(b)] != string(b) {
			return false
		}
		for range b {
			offs = append(offs, at)
		}
		j += len(b)
		return true
	}
	for j < len(value) {
		if i >= len(text) {
			return nil
		}
		c := text[i]
		switch {
		case quote == '\'' && c == '\'':
			if i+1 < len(text) && text[i+1] == '\'' {
				if !emit([]byte{'\''}, i) {
					return nil
				}
				i += 2
				continue
			}
			return nil // closing quote before the value ended
		case quote == '"' && c == '"':
			return nil
		case quote == '"' && c == '\\':
			if i+1 < len(text) && isBreak(text[i+1]) {
				// An escaped line break: the lines join with nothing
				// between them, and leading blanks go.
				i = skipBreak(text, i+1)
				for i < len(text) && isBlank(text[i]) {
					i++
				}
				continue
			}
			b, n := decodeEscape(text[i:])
			if n == 0 || !emit(b, i) {
				return nil
			}
			i += n
		case isBlank(c):
			k := i
			for k < len(text) && isBlank(text[k]) {
				k++
			}
			if k < len(text) && isBreak(text[k]) {
				i = k // trailing blanks of a line are dropped
				continue
			}
			for ; i < k; i++ {
				if !emit(text[i:i+1], i) {
					return nil
				}
			}
		case isBreak(c):
			at := i
			breaks := 0
			for i < len(text) && (isBreak(text[i]) || isBlank(text[i])) {
				if isBreak(text[i]) {
					breaks++
					i = skipBreak(text, i)
					continue
				}
				i++
			}
			if breaks == 1 {
				if !emit([]byte{' '}, at) {
					return nil
				}
				continue
			}
			for n := 1; n < breaks; n++ {
				if !emit([]byte{'\n'}, at) {
					return nil
				}
			}
		default:
			if !emit(text[i:i+1], i) {
				return nil
			}
			i++
		}
	}
	return append(offs, i)
}

func skipBreak(text []byte, i int) int {
	if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
		return i + 2
	}
	return i + 1
}

// decodeEscape decodes the double-quoted escape sequence at the start of
// b (which starts with a backslash). It returns the bytes it stands for and
// its length in b, or 0 when it is not a valid escape.
func decodeEscape(b []byte) ([]byte, int) {
	if len(b) < 2 {
		return nil, 0
	}
	simple := map[byte]string{
		'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", '\t': "\t", 'n': "\n", 'v': "\v", 'f': "\f",
		'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '/': "/", '\\': "\\",
		'N': "\u0085", '_': "\u00a0", 'L': "\u2028", 'P': "\u2029",
	}
	if s, ok := simple[b[1]]; ok {
		return []byte(s), 2
	}
	width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[b[1]]
	if width == 0 || len(b) < 2+width {
		return nil, 0
	}
	v, err := strconv.ParseUint(string(b[2:2+width]), 16, 32)
	if err != nil {
		return nil, 0
	}
	return utf8.AppendRune(nil, rune(v)), 2 + width
}

// alignBlock maps the bytes of a literal (|) or folded (>) block scalar to
// the source. Both styles keep each content line whole, as the source line
// without its indentation, and put only line breaks or (folded) spaces
// between lines, so each content line is found as the tail of its source
// line, in order. It returns nil when the value does not line up with the
// source.
func alignBlock(offs []int, src *source, s Str) []int {
	value := s.Value
	offs = slices.Grow(offs[:0], len(value)+1)
	j := 0
	// Content starts on the line after the header (| or > with its
	// indicators and an optional comment).
	line := s.Pos.Line + 1
	indent := -1
	if ind := blockIndentIndicator(src.line(s.Pos.Line), src.offset(s.Pos)-src.lines[s.Pos.Line-1]); ind > 0 && s.KeyPos.IsValid() {
		indent = s.KeyPos.Col - 1 + ind
	}
	lastEnd := src.offset(s.Pos)
	for j < len(value) {
		if line > len(src.lines) {
			return nil
		}
		text := src.line(line)
		lineStart := src.lines[line-1]
		// A line is empty when nothing is left of it once the
		// indentation is removed; before the indentation is known, when
		// it holds only spaces.
		if indent >= 0 && len(text) <= indent || indent < 0 && len(bytes.TrimLeft(text, " ")) == 0 {
			// An empty line: it becomes a newline (or nothing, when
			// folded between lines), and needs no content.
			if value[j] == '\n' {
				offs = append(offs, lineStart+len(text))
				j++
			}
			lastEnd = lineStart + len(text)
			line++
			continue
		}
		if indent < 0 {
			indent = len(text) - len(bytes.TrimLeft(text, " "))
		}
		if len(text) < indent {
			return nil
		}
		content := text[indent:]
		// Separators between the previous line and this one.
		for j < len(value) && !bytes.HasPrefix([]byte(value[j:]), content) && (value[j] == '\n' || value[j] == ' ') {
			offs = append(offs, lastEnd)
			j++
		}
		if !bytes.HasPrefix([]byte(value[j:]), content) {
			return nil
		}
		for k := range content {
			offs = append(offs, lineStart+indent+k)
		}
		j += len(content)
		lastEnd = lineStart + len(text)
		line++
		// The line break after the content, when the value goes on.
		if j < len(value) && (value[j] == '\n' || value[j] == ' ') {
			offs = append(offs, lastEnd)
			j++
		}
	}
	return append(offs, lastEnd)
}

// blockIndentIndicator returns the explicit indentation indicator of a block
// scalar header starting at byte col of line, or 0.
func blockIndentIndicator(line []byte, col int) int {
	for k := col + 1; k < len(line) && k <= col+3; k++ {
		c := line[k]
		if c >= '1' && c <= '9' {
			return int(c - '0')
		}
		if c != '+' && c != '-' {
			break
		}
	}
	return 0
}

// SourceEdit says how to make an edit of a scalar in the file's text: it
// returns the byte range [from, to) of the text that s.Value[start:end] was
// read from, and what to write there instead so that the scalar reads as
// s.Value with repl in place of s.Value[start:end]. ok is false when the
// edit cannot be made in place: the range crosses a line fold, an escape
// sequence or indentation, or the scalar's style cannot hold repl on one
// line (a line break, or what would end a plain scalar).
func (f *File) SourceEdit(s Str, start, end int, repl string) (from, to int, text string, ok bool) {
	if f == nil || f.src == nil || start < 0 || end < start || end > len(s.Value) || strings.ContainsAny(repl, "\r\n") {
		return 0, 0, "", false
	}
	offs := align(f.src, s)
	if offs == nil {
		return 0, 0, "", false
	}
	from, to = offs[start], offs[end]
	switch s.style {
	case styleDouble, styleSingle:
		// Escapes may lie in the range: what it holds must read as the
		// part of the value it stands for, on one line.
		if from > to || to > len(f.src.text) || bytes.ContainsAny(f.src.text[from:to], "\r\n") {
			return 0, 0, "", false
		}
		q := "'"
		if s.style == styleDouble {
			q = `"`
		}
		var got string
		if err := yaml.Unmarshal([]byte(q+string(f.src.text[from:to])+q), &got); err != nil || got != s.Value[start:end] {
			return 0, 0, "", false
		}
	default:
		// The range must stand in the source byte for byte.
		for i := start; i < end; i++ {
			if offs[i] != from+i-start {
				return 0, 0, "", false
			}
		}
		to = from + end - start
		if to > len(f.src.text) || string(f.src.text[from:to]) != s.Value[start:end] {
			return 0, 0, "", false
		}
	}
	switch s.style {
	case styleDouble:
		text = strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(repl)
	case styleSingle:
		text = strings.ReplaceAll(repl, "'", "''")
	case stylePlain:
		if start == 0 || strings.Contains(repl, ": ") || strings.Contains(repl, " #") || strings.HasSuffix(repl, ":") {
			return 0, 0, "", false
		}
		text = repl
	case styleLiteral, styleFolded:
		text = repl
	default:
		return 0, 0, "", false
	}
	return from, to, text, true
}
