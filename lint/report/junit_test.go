package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/report"
	"github.com/oomguard/oomguard/rules"
)

// readJUnit is a reader of the JUnit format that is not ours: Debian's
// python3-junitparser reads the report, and says what it read as JSON,
// suite by suite and case by case.
const readJUnit = `
import json, sys
from junitparser import JUnitXml, Failure
xml = JUnitXml.fromfile(sys.argv[1])
out = {"tests": xml.tests, "failures": xml.failures, "suites": []}
for suite in xml:
    cases = []
    for case in suite:
        fs = [r for r in case.result if isinstance(r, Failure)]
        cases.append({"name": case.name, "classname": case.classname,
                      "message": fs[0].message if fs else None,
                      "type": fs[0].type if fs else None,
                      "text": fs[0].text if fs else None})
    out["suites"].append({"name": suite.name, "tests": suite.tests,
                          "failures": suite.failures, "cases": cases})
json.dump(out, sys.stdout)
`

type junitRead struct {
	Tests, Failures int
	Suites          []struct {
		Name            string
		Tests, Failures int
		Cases           []struct {
			Name, Classname string
			Message, Type   *string
			Text            *string
		}
	}
}

// TestJUnitReader has python3-junitparser read the report of the findings
// of every check, and requires it to find every finding where it was
// written: its file's suite, a failed case with the message, the severity
// and the text format's line (and hint), and the counts right.
func TestJUnitReader(t *testing.T) {
	// Debian's python3 has its packages; a python3 earlier on PATH may not.
	python := ""
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import junitparser").Run() == nil {
			python = p
			break
		}
	}
	if python == "" {
		if os.Getenv("OOMGUARD_REQUIRE_JUNITPARSER") != "" {
			t.Fatal("python3-junitparser is required here (.ci/run installs it)")
		}
		t.Skip("python3-junitparser is not installed (apt-get install python3-junitparser)")
	}
	ds := lintTestdata(t)
	ds = append(ds, engine.Diagnostic{File: "a&b.yaml", Pos: rules.Pos{Line: 2, Col: 3}, Check: "labels/severity",
		Severity: engine.Info, Message: `<"quoted"> & more`, Hint: "a hint"})
	var out bytes.Buffer
	if err := report.Write(&out, "junit", ds, report.Meta{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.xml")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	js, err := exec.Command(python, "-c", readJUnit, path).Output()
	if err != nil {
		t.Fatalf("junitparser: %v\n%s", err, out.String())
	}
	var got junitRead
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatal(err)
	}
	if got.Tests != len(ds) || got.Failures != len(ds) {
		t.Errorf("read %d tests, %d failures; want %d of each", got.Tests, got.Failures, len(ds))
	}
	i := 0
	for _, s := range got.Suites {
		if s.Tests != len(s.Cases) || s.Failures != len(s.Cases) {
			t.Errorf("suite %s: %d tests, %d failures, %d cases", s.Name, s.Tests, s.Failures, len(s.Cases))
		}
		for _, c := range s.Cases {
			if i >= len(ds) {
				t.Fatalf("more cases than the %d findings", len(ds))
			}
			d := ds[i]
			i++
			text := d.String() + "\n"
			if d.Hint != "" {
				text += "    hint: " + d.Hint + "\n"
			}
			switch {
			case s.Name != d.File, c.Classname != d.File:
				t.Errorf("finding %d of %s read in suite %s, class %s", i, d.File, s.Name, c.Classname)
			case c.Message == nil || *c.Message != d.Message:
				t.Errorf("finding %d: message %v, want %q", i, c.Message, d.Message)
			case c.Type == nil || *c.Type != d.Severity.String():
				t.Errorf("finding %d: type %v, want %s", i, c.Type, d.Severity)
			case c.Text == nil || *c.Text != text:
				t.Errorf("finding %d: text %v, want %q", i, c.Text, text)
			case !strings.HasPrefix(c.Name, d.Check+" at "):
				t.Errorf("finding %d: case %q is not named by its check %s", i, c.Name, d.Check)
			}
		}
	}
	if i != len(ds) {
		t.Errorf("read %d cases of %d findings", i, len(ds))
	}
}

// TestJUnitSample pins the report of two findings, and of none.
func TestJUnitSample(t *testing.T) {
	ds := []engine.Diagnostic{
		{File: "deploy/a.yaml", Pos: rules.Pos{Line: 3, Col: 7}, Check: "labels/severity", Severity: engine.Warning, Message: `alert "R" has no severity label`, Hint: "add labels: {severity: warning}"},
		{File: "deploy/a.yaml", Pos: rules.Pos{Line: 10, Col: 1}, Check: "syntax/invalid", Severity: engine.Error, Message: "a < b"},
	}
	var out bytes.Buffer
	if err := report.JUnit(&out, ds); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="oomguard lint" tests="2" failures="2" errors="0">
  <testsuite name="deploy/a.yaml" tests="2" failures="2" errors="0">
    <testcase name="labels/severity at 3:7" classname="deploy/a.yaml" file="deploy/a.yaml" line="3">
      <failure message="alert &#34;R&#34; has no severity label" type="warning">deploy/a.yaml:3:7: warning: alert &#34;R&#34; has no severity label (labels/severity)&#xA;    hint: add labels: {severity: warning}&#xA;</failure>
    </testcase>
    <testcase name="syntax/invalid at 10:1" classname="deploy/a.yaml" file="deploy/a.yaml" line="10">
      <failure message="a &lt; b" type="error">deploy/a.yaml:10:1: error: a &lt; b (syntax/invalid)&#xA;</failure>
    </testcase>
  </testsuite>
</testsuites>
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	if err := report.JUnit(&out, nil); err != nil {
		t.Fatal(err)
	}
	want = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="oomguard lint" tests="0" failures="0" errors="0"></testsuites>
`
	if out.String() != want {
		t.Errorf("no findings: got:\n%s\nwant:\n%s", out.String(), want)
	}
}
