package report

import (
	"encoding/xml"
	"io"

	"github.com/oomguard/oomguard/lint/engine"
)

type checkstyleFile struct {
	Name   string            `xml:"name,attr"`
	Errors []checkstyleError `xml:"error"`
}

type checkstyleError struct {
	Line     int    `xml:"line,attr"`
	Column   int    `xml:"column,attr"`
	Severity string `xml:"severity,attr"`
	Message  string `xml:"message,attr"`
	Source   string `xml:"source,attr"`
}

// Checkstyle writes the checkstyle XML format many CI systems read: a file
// element per file, an error element per finding.
func Checkstyle(w io.Writer, ds []engine.Diagnostic) error {
	var doc struct {
		XMLName xml.Name         `xml:"checkstyle"`
		Version string           `xml:"version,attr"`
		Files   []checkstyleFile `xml:"file"`
	}
	doc.Version = "4.3"
	for _, d := range ds {
		if d.Severity == engine.Note {
			continue // notes are for text and json
		}
		if n := len(doc.Files); n == 0 || doc.Files[n-1].Name != d.File {
			doc.Files = append(doc.Files, checkstyleFile{Name: d.File})
		}
		f := &doc.Files[len(doc.Files)-1]
		f.Errors = append(f.Errors, checkstyleError{Line: d.Pos.Line, Column: d.Pos.Col, Severity: d.Severity.String(), Message: d.Message, Source: d.Check})
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
