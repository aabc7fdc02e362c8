package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"github.com/oomguard/oomguard/rules"
)

// lineCol is a position inside a message ("first at 8:13").
var lineCol = regexp.MustCompile(`\b\d+:\d+\b`)

// Fingerprint identifies a finding independently of its line: the check,
// the file, the group, the rule and the message with positions in it
// blanked. Findings that move when lines are added above them keep it.
func Fingerprint(d Diagnostic) string {
	h := sha256.New()
	msg := lineCol.ReplaceAllString(d.Message, "L:C")
	for _, s := range []string{d.Check, filepath.ToSlash(d.File), d.Group, d.Rule, msg} {
		io.WriteString(h, s)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Baseline is a set of accepted findings: a team adopting the linter on a
// large repository records what is there today and fails only on what is
// new. A finding matches an entry by its fingerprint, so findings survive
// lines moving; a finding that occurs n times is accepted n times.
type Baseline struct {
	Version  int             `json:"version"`
	Findings []BaselineEntry `json:"findings"`
}

// BaselineEntry is one accepted finding; the fields beside the fingerprint
// are there for people reading the file.
type BaselineEntry struct {
	Fingerprint string `json:"fingerprint"`
	Check       string `json:"check"`
	File        string `json:"file"`
	Group       string `json:"group,omitempty"`
	Rule        string `json:"rule,omitempty"`
	Message     string `json:"message"`
}

// NewBaseline records findings, sorted as they are.
func NewBaseline(ds []Diagnostic) *Baseline {
	b := &Baseline{Version: 1, Findings: make([]BaselineEntry, 0, len(ds))}
	for _, d := range ds {
		if d.Severity == Note {
			continue // not a finding
		}
		b.Findings = append(b.Findings, BaselineEntry{Fingerprint: Fingerprint(d), Check: d.Check, File: filepath.ToSlash(d.File),
			Group: d.Group, Rule: d.Rule, Message: d.Message})
	}
	return b
}

// Marshal returns the baseline as indented JSON.
func (b *Baseline) Marshal() ([]byte, error) {
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// LoadBaseline reads a baseline file; errors name the file and, for JSON
// that does not parse, the line and column.
func LoadBaseline(path string, maxSize int64) (*Baseline, error) {
	data, err := rules.ReadRegular(path, maxSize)
	if err != nil {
		return nil, &BaselineError{File: path, Msg: strings.TrimPrefix(err.Error(), path+": ")}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b Baseline
	if err := dec.Decode(&b); err != nil {
		line, col := 0, 0
		msg := strings.TrimPrefix(err.Error(), "json: ")
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col = offsetPos(data, se.Offset-1)
		case errors.As(err, &te):
			// The offset is past the value; point at its start.
			off := te.Offset
			for off > 0 && !strings.ContainsRune(" \t\r\n,:[{", rune(data[off-1])) {
				off--
			}
			line, col = offsetPos(data, off)
			msg = fmt.Sprintf("%s: want %s, not a %s", te.Field, kindName(te.Type.Kind()), te.Value)
		}
		return nil, &BaselineError{File: path, Line: line, Col: col, Msg: "baseline: " + msg}
	}
	if b.Version != 1 {
		return nil, &BaselineError{File: path, Msg: fmt.Sprintf("baseline: version %d: this oomguard reads version 1", b.Version)}
	}
	for i, e := range b.Findings {
		if e.Fingerprint == "" {
			return nil, &BaselineError{File: path, Msg: fmt.Sprintf("baseline: finding %d has no fingerprint", i+1)}
		}
	}
	return &b, nil
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	}
	return "a number"
}

// offsetPos returns the 1-based line and column of the byte at index i.
func offsetPos(data []byte, i int64) (int, int) {
	i = min(max(i, 0), int64(len(data)))
	before := data[:i]
	line := bytes.Count(before, []byte("\n")) + 1
	return line, int(i) - bytes.LastIndexByte(before, '\n')
}

// Filter returns the findings the baseline does not accept, and the number
// of its entries no finding matched any more (fixed since).
func (b *Baseline) Filter(ds []Diagnostic) (kept []Diagnostic, fixed int) {
	left := map[string]int{}
	for _, e := range b.Findings {
		left[e.Fingerprint]++
	}
	for _, d := range ds {
		fp := Fingerprint(d)
		if d.Severity != Note && left[fp] > 0 {
			left[fp]--
			continue
		}
		kept = append(kept, d)
	}
	for _, n := range left {
		fixed += n
	}
	return kept, fixed
}

// BaselineError is a baseline file that cannot be used, at its position.
type BaselineError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *BaselineError) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}
