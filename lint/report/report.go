// Package report writes lint diagnostics: text for people, JSON for tools,
// GitHub workflow annotations, checkstyle XML, GitLab Code Quality, JUnit XML
// and SARIF for CI and code scanning.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oomguard/oomguard/lint/engine"
)

// Formats this package writes.
var Formats = []string{"text", "json", "github", "checkstyle", "sarif", "gitlab", "junit"}

// Meta is what some formats say beside the diagnostics: SARIF describes
// every check that ran, and the tool's version.
type Meta struct {
	Checks  []*engine.Check
	Version string
	// Source, when set, gives the text of a line of a file, and the text
	// format shows it under each finding with a caret at the column.
	Source func(file string, line int) ([]byte, bool)
	// Edit, when set, gives the fix of a finding as an edit of its file's
	// text, and SARIF carries it as the result's fix.
	Edit func(engine.Diagnostic) (engine.TextEdit, bool)
}

// Write writes diagnostics in a format.
func Write(w io.Writer, format string, ds []engine.Diagnostic, meta Meta) error {
	switch format {
	case "sarif":
		return SARIF(w, ds, meta)
	case "text":
		if meta.Source != nil {
			return TextWithSource(w, ds, meta.Source)
		}
		return Text(w, ds)
	case "json":
		return JSON(w, ds)
	case "github":
		return GitHub(w, ds)
	case "checkstyle":
		return Checkstyle(w, ds)
	case "gitlab":
		return GitLab(w, ds)
	case "junit":
		return JUnit(w, ds)
	}
	return fmt.Errorf("unknown format %q: use %s", format, strings.Join(Formats, ", "))
}

// Text writes path:line:col: severity: message (check), a line each, and
// under a finding with a hint an indented line that gives it:
//
//	rules.yaml:5:15: info: regexp "kubelet" of label job matches one fixed string: use = (promql/static-regexp)
//	    hint: job="kubelet"
func Text(w io.Writer, ds []engine.Diagnostic) error {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
		writeHint(&b, d)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// TextWithSource writes what Text does, and under each finding its source
// line with a caret under the column, and tildes under the rest of the
// text it is about, up to the end of the line:
//
//	rules.yaml:4:16: warning: alert "high_memory" has no severity label (labels/severity)
//	    4 |       - alert: high_memory
//	      |                ^~~~~~~~~~~
func TextWithSource(w io.Writer, ds []engine.Diagnostic, source func(string, int) ([]byte, bool)) error {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
		line, ok := source(d.File, d.Pos.Line)
		if !ok || d.Pos.Line < 1 {
			writeHint(&b, d)
			continue
		}
		num := strconv.Itoa(d.Pos.Line)
		gutter := strings.Repeat(" ", max(5-len(num), 1))
		fmt.Fprintf(&b, "%s%s | %s\n", gutter, num, bytes.TrimRight(line, "\r"))
		// The column counts characters; keep tabs so the caret lines up.
		var pad strings.Builder
		col := 1
		for _, r := range string(line) {
			if col >= d.Pos.Col {
				break
			}
			if r == '\t' {
				pad.WriteRune('\t')
			} else {
				pad.WriteByte(' ')
			}
			col++
		}
		// The end: the finding's on this line, else the end of the line.
		endCol := utf8.RuneCount(bytes.TrimRight(line, "\r")) + 1
		if d.End.Line == d.Pos.Line {
			endCol = min(endCol, d.End.Col)
		}
		if !hasExtent(d) {
			endCol = d.Pos.Col
		}
		under := strings.Repeat("~", max(endCol-d.Pos.Col-1, 0))
		fmt.Fprintf(&b, "%s%s | %s^%s\n", gutter, strings.Repeat(" ", len(num)), pad.String(), under)
		writeHint(&b, d)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeHint writes the hint of d, if it has one, on an indented line.
func writeHint(b *strings.Builder, d engine.Diagnostic) {
	if d.Hint != "" {
		fmt.Fprintf(b, "    hint: %s\n", d.Hint)
	}
}

// hasExtent reports whether d spans some text: an end after its start.
func hasExtent(d engine.Diagnostic) bool {
	return d.End.IsValid() && d.Pos.Less(d.End)
}

type jsonDiagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	EndLine  int    `json:"end_line"`
	EndCol   int    `json:"end_column"`
	Group    string `json:"group,omitempty"`
	Rule     string `json:"rule,omitempty"`
	Check    string `json:"check"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
}

// JSON writes an array of diagnostics.
func JSON(w io.Writer, ds []engine.Diagnostic) error {
	out := make([]jsonDiagnostic, 0, len(ds))
	for _, d := range ds {
		end := d.End
		if !hasExtent(d) {
			end = d.Pos
		}
		out = append(out, jsonDiagnostic{File: d.File, Line: d.Pos.Line, Column: d.Pos.Col, EndLine: end.Line, EndCol: end.Col, Group: d.Group, Rule: d.Rule,
			Check: d.Check, Severity: d.Severity.String(), Message: d.Message, Hint: d.Hint})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// GitHub writes workflow commands that annotate the lines in a pull
// request.
func GitHub(w io.Writer, ds []engine.Diagnostic) error {
	var b strings.Builder
	for _, d := range ds {
		if d.Severity == engine.Note {
			continue // notes are for text and json
		}
		level := map[engine.Severity]string{engine.Info: "notice", engine.Warning: "warning", engine.Error: "error"}[d.Severity]
		// endColumn only counts on the line of the start.
		var end string
		switch {
		case !hasExtent(d):
		case d.End.Line == d.Pos.Line:
			end = fmt.Sprintf(",endLine=%d,endColumn=%d", d.End.Line, d.End.Col)
		default:
			end = fmt.Sprintf(",endLine=%d", d.End.Line)
		}
		msg := d.Message
		if d.Hint != "" {
			// The annotation shows it on a line of its own.
			msg += "\nhint: " + d.Hint
		}
		fmt.Fprintf(&b, "::%s file=%s,line=%d,col=%d%s,title=%s::%s\n", level,
			escapeProperty(d.File), d.Pos.Line, d.Pos.Col, end, escapeProperty(d.Check), escapeData(msg))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
