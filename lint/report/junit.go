package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/oomguard/oomguard/lint/engine"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string       `xml:"name,attr"`
	Classname string       `xml:"classname,attr"`
	File      string       `xml:"file,attr"`
	Line      int          `xml:"line,attr"`
	Failure   junitFailure `xml:"failure"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes a JUnit XML report, the test report CI systems show
// (GitLab's artifacts:reports:junit, Jenkins, Azure): a test suite per file
// with findings, a failed test case per finding, named by its check and
// position, its message the finding and its text the finding as the text
// format writes it, hint included. A run without findings is a report of
// no tests. Nothing in it depends on the time, so the same findings give
// the same bytes.
func JUnit(w io.Writer, ds []engine.Diagnostic) error {
	doc := junitSuites{Name: "oomguard lint"}
	for _, d := range ds {
		if n := len(doc.Suites); n == 0 || doc.Suites[n-1].Name != d.File {
			doc.Suites = append(doc.Suites, junitSuite{Name: d.File})
		}
		s := &doc.Suites[len(doc.Suites)-1]
		var text strings.Builder
		text.WriteString(d.String())
		text.WriteByte('\n')
		writeHint(&text, d)
		s.Cases = append(s.Cases, junitCase{
			Name:      fmt.Sprintf("%s at %d:%d", d.Check, d.Pos.Line, d.Pos.Col),
			Classname: d.File,
			File:      d.File,
			Line:      d.Pos.Line,
			Failure:   junitFailure{Message: d.Message, Type: d.Severity.String(), Text: text.String()},
		})
		s.Tests++
		s.Failures++
		doc.Tests++
		doc.Failures++
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
