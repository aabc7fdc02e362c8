package rules

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Pos is a position in a source file. Line and Col are 1-based; Col counts
// characters, not bytes. The zero Pos means "no position".
type Pos struct {
	Line int
	Col  int
}

// IsValid reports whether p names a real position.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String formats p as line:col.
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Less orders positions by line, then column.
func (p Pos) Less(q Pos) bool {
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// Error is a problem found in a file, with the position it applies to.
type Error struct {
	File string
	Pos  Pos
	Msg  string
	// Code classifies warnings (File.Warnings): WarnMultiDocument,
	// WarnSkippedDocument, WarnIgnoredEntry. Errors have none.
	Code string
}

// Codes of the loader's warnings.
const (
	// WarnMultiDocument: a plain rule file of several documents, of which
	// Prometheus reads only the first.
	WarnMultiDocument = "multi-document"
	// WarnSkippedDocument: a document of another kind than a rule file or
	// a PrometheusRule.
	WarnSkippedDocument = "skipped-document"
	// WarnIgnoredEntry: an empty sequence item or a null key, which
	// Prometheus drops.
	WarnIgnoredEntry = "ignored-entry"
)

func (e *Error) Error() string {
	if !e.Pos.IsValid() {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}

// ErrorList is a list of errors, ordered by file and position. It is an error
// itself when not empty.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns l as an error, or nil when l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Sort orders l by file, line, column and message.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Pos != b.Pos {
			return a.Pos.Less(b.Pos)
		}
		return a.Msg < b.Msg
	})
}

// source is the text of a file with an index of where its lines start, so
// that byte offsets and line:col positions convert both ways.
type source struct {
	text  []byte
	lines []int // byte offset of the start of each line

	// marks index long lines, so that a position on a line of a megabyte
	// (a file in JSON on one line) costs at most markEvery bytes of
	// counting, not the line up to it: built on first use.
	marksOnce sync.Once
	marks     []mark

	// aligned holds the alignments of values with the source
	// (alignKey -> *alignment), made on first use.
	aligned sync.Map
}

// mark is a place in a long line: its byte offset (at the start of a
// character) and its 0-based column.
type mark struct {
	off, col int
}

// markEvery is the distance between marks in bytes.
const markEvery = 256

func newSource(text []byte) *source {
	lines := make([]int, 1, 1+len(text)/32)
	for i := 0; i < len(text); i++ {
		if n := breakLen(text, i); n > 0 {
			i += n - 1
			lines = append(lines, i+1)
		}
	}
	return &source{text: text, lines: lines}
}

// breakLen returns the length of the line break at text[i], or 0. The
// breaks are YAML's, as the YAML parser counts lines: LF, CR LF, a lone
// CR, and NEL, LS and PS.
func breakLen(text []byte, i int) int {
	switch c := text[i]; {
	case c == '\n':
		return 1
	case c == '\r':
		if i+1 < len(text) && text[i+1] == '\n' {
			return 2
		}
		return 1
	case c == 0xC2 && i+1 < len(text) && text[i+1] == 0x85:
		return 2
	case c == 0xE2 && i+2 < len(text) && text[i+1] == 0x80 && (text[i+2] == 0xA8 || text[i+2] == 0xA9):
		return 3
	}
	return 0
}

// lineEnd returns the offset of the end of 1-based line n, its break
// included.
func (s *source) lineEnd(n int) int {
	if n < len(s.lines) {
		return s.lines[n]
	}
	return len(s.text)
}

// buildMarks indexes the lines longer than markEvery.
func (s *source) buildMarks() {
	for n := 1; n <= len(s.lines); n++ {
		start, end := s.lines[n-1], s.lineEnd(n)
		if end-start <= markEvery {
			continue
		}
		prev, col := start, 0
		for b := start + markEvery; b < end; b += markEvery {
			for b < end && !utf8.RuneStart(s.text[b]) {
				b++
			}
			if b >= end {
				break
			}
			col += utf8.RuneCount(s.text[prev:b])
			s.marks = append(s.marks, mark{off: b, col: col})
			prev = b
		}
	}
}

// lineMarks returns the marks of 1-based line n.
func (s *source) lineMarks(n int) []mark {
	start, end := s.lines[n-1], s.lineEnd(n)
	if end-start <= markEvery {
		return nil
	}
	s.marksOnce.Do(s.buildMarks)
	i := sort.Search(len(s.marks), func(i int) bool { return s.marks[i].off >= start })
	j := sort.Search(len(s.marks), func(i int) bool { return s.marks[i].off >= end })
	return s.marks[i:j]
}

// offset returns the byte offset of p, or -1 when p is outside the text.
func (s *source) offset(p Pos) int {
	if p.Line < 1 || p.Line > len(s.lines) || p.Col < 1 {
		return -1
	}
	off, col := s.lines[p.Line-1], 1
	// Start from the last mark before the column, on a long line.
	if marks := s.lineMarks(p.Line); len(marks) > 0 {
		if k := sort.Search(len(marks), func(i int) bool { return marks[i].col+1 > p.Col }); k > 0 {
			off, col = marks[k-1].off, marks[k-1].col+1
		}
	}
	for ; col < p.Col; col++ {
		if off >= len(s.text) || breakLen(s.text, off) > 0 {
			return -1
		}
		_, n := utf8.DecodeRune(s.text[off:])
		off += n
	}
	return off
}

// pos returns the position of byte offset off.
func (s *source) pos(off int) Pos {
	if off < 0 {
		return Pos{}
	}
	if off > len(s.text) {
		off = len(s.text)
	}
	line := sort.Search(len(s.lines), func(i int) bool { return s.lines[i] > off }) - 1
	from, col := s.lines[line], 0
	if off-from > markEvery {
		marks := s.lineMarks(line + 1)
		if k := sort.Search(len(marks), func(i int) bool { return marks[i].off > off }); k > 0 {
			from, col = marks[k-1].off, marks[k-1].col
		}
	}
	return Pos{Line: line + 1, Col: col + utf8.RuneCount(s.text[from:off]) + 1}
}

// line returns the text of 1-based line n without its line break.
func (s *source) line(n int) []byte {
	if n < 1 || n > len(s.lines) {
		return nil
	}
	start, end := s.lines[n-1], s.lineEnd(n)
	if n < len(s.lines) {
		// Back over the break that ends the line: at most three bytes.
		for k := max(start, end-3); k < end; k++ {
			if l := breakLen(s.text, k); l > 0 && k+l == end {
				end = k
				break
			}
		}
	}
	return s.text[start:end]
}

// clamp moves p inside the text: parsers report the end of input on a line
// after the last.
func (s *source) clamp(p Pos) Pos {
	if p.Line < 1 {
		return Pos{Line: 1, Col: 1}
	}
	if p.Line > len(s.lines) {
		p.Line = len(s.lines)
		p.Col = utf8.RuneCount(s.line(p.Line)) + 1
	}
	if max := utf8.RuneCount(s.line(p.Line)) + 1; p.Col > max {
		p.Col = max
	}
	if p.Col < 1 {
		p.Col = 1
	}
	return p
}
