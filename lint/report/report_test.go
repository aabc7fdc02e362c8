package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

var sample = []engine.Diagnostic{
	{File: "a.yaml", Pos: rules.Pos{Line: 3, Col: 7}, End: rules.Pos{Line: 3, Col: 8}, Group: "g", Rule: "R", Check: "labels/severity", Severity: engine.Warning, Message: "alert \"R\" has no severity label", Hint: "add it"},
	{File: "dir/b,c.yaml", Pos: rules.Pos{Line: 10, Col: 1}, Check: "syntax/invalid", Severity: engine.Error, Message: "100% broken\nsecond line"},
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, sample); err != nil {
		t.Fatal(err)
	}
	want := "a.yaml:3:7: warning: alert \"R\" has no severity label (labels/severity)\n" +
		"    hint: add it\n" +
		"dir/b,c.yaml:10:1: error: 100% broken\nsecond line (syntax/invalid)\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, sample); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0]["line"] != 3.0 || got[0]["column"] != 7.0 || got[0]["end_line"] != 3.0 || got[0]["end_column"] != 8.0 ||
		got[0]["severity"] != "warning" || got[0]["hint"] != "add it" || got[1]["group"] != nil ||
		// Without an extent, the end is the start.
		got[1]["end_line"] != 10.0 || got[1]["end_column"] != 1.0 {
		t.Errorf("unexpected JSON: %s", b.String())
	}
}

func TestGitHub(t *testing.T) {
	var b bytes.Buffer
	if err := GitHub(&b, sample); err != nil {
		t.Fatal(err)
	}
	want := "::warning file=a.yaml,line=3,col=7,endLine=3,endColumn=8,title=labels/severity::alert \"R\" has no severity label%0Ahint: add it\n" +
		"::error file=dir/b%2Cc.yaml,line=10,col=1,title=syntax/invalid::100%25 broken%0Asecond line\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestCheckstyle(t *testing.T) {
	var b bytes.Buffer
	if err := Checkstyle(&b, sample); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<checkstyle version="4.3">
  <file name="a.yaml">
    <error line="3" column="7" severity="warning" message="alert &#34;R&#34; has no severity label" source="labels/severity"></error>
  </file>
  <file name="dir/b,c.yaml">
    <error line="10" column="1" severity="error" message="100% broken&#xA;second line" source="syntax/invalid"></error>
  </file>
</checkstyle>
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// A finding over several lines ends at its last line: GitHub takes an
// endColumn only on the line of the start.
func TestGitHubMultiLine(t *testing.T) {
	var b bytes.Buffer
	d := engine.Diagnostic{File: "a.yaml", Pos: rules.Pos{Line: 3, Col: 7}, End: rules.Pos{Line: 5, Col: 2}, Check: "c/d", Severity: engine.Info, Message: "m"}
	if err := GitHub(&b, []engine.Diagnostic{d}); err != nil {
		t.Fatal(err)
	}
	if want := "::notice file=a.yaml,line=3,col=7,endLine=5,title=c/d::m\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// The caret sits under the column, counted in characters, with tabs kept;
// tildes underline the rest of the finding's text on that line.
func TestTextWithSource(t *testing.T) {
	lines := map[int]string{2: "\tlabels: {équipe: x, sev: y}"}
	src := func(file string, n int) ([]byte, bool) {
		l, ok := lines[n]
		return []byte(l), ok
	}
	ds := []engine.Diagnostic{
		{File: "a.yaml", Pos: rules.Pos{Line: 2, Col: 23}, Check: "labels/severity", Severity: engine.Warning, Message: "m"},
		{File: "a.yaml", Pos: rules.Pos{Line: 2, Col: 11}, End: rules.Pos{Line: 2, Col: 20}, Check: "labels/x", Severity: engine.Warning, Message: "span"},
		{File: "a.yaml", Pos: rules.Pos{Line: 2, Col: 23}, End: rules.Pos{Line: 4, Col: 1}, Check: "labels/y", Severity: engine.Warning, Message: "lines"},
		{File: "a.yaml", Pos: rules.Pos{Line: 9, Col: 1}, Check: "files/no-rules", Severity: engine.Warning, Message: "no line"},
	}
	var b bytes.Buffer
	if err := TextWithSource(&b, ds, src); err != nil {
		t.Fatal(err)
	}
	want := "a.yaml:2:23: warning: m (labels/severity)\n" +
		"    2 | \tlabels: {équipe: x, sev: y}\n" +
		"      | \t                     ^\n" +
		"a.yaml:2:11: warning: span (labels/x)\n" +
		"    2 | \tlabels: {équipe: x, sev: y}\n" +
		"      | \t         ^~~~~~~~~\n" +
		"a.yaml:2:23: warning: lines (labels/y)\n" +
		"    2 | \tlabels: {équipe: x, sev: y}\n" +
		"      | \t                     ^~~~~~\n" +
		"a.yaml:9:1: warning: no line (files/no-rules)\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
