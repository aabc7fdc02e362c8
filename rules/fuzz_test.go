package rules

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
	yaml "go.yaml.in/yaml/v4"
)

// FuzzParse feeds arbitrary bytes to the loader. It must not panic, every
// error must carry a position inside the file, and for a single-document
// rule file its verdict must be Prometheus's (model/rulefmt).
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/good/*.yaml", "testdata/bad/*.yaml"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if data, err := os.ReadFile(p); err == nil && len(data) < 8<<10 {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, errs := Parse("f.yaml", data, Options{})
		lines := len(file.src.lines) // of the text as decoded (UTF-16 becomes UTF-8)
		for _, e := range append(append(ErrorList{}, errs...), file.Warnings...) {
			if e.Pos.Line < 1 || e.Pos.Line > lines || e.Pos.Col < 1 {
				t.Fatalf("error outside the file (%d lines): %v", lines, e)
			}
		}
		// Only plain single-document rule files are comparable: rulefmt
		// reads the first document and knows nothing of PrometheusRule.
		if bytes.Contains(data, []byte("---")) || bytes.Contains(data, []byte("...")) {
			return
		}
		for _, w := range file.Warnings {
			if w.Code == WarnSkippedDocument {
				return // a document of another kind
			}
		}
		for _, d := range file.Docs {
			if d.Kind != KindRuleFile {
				return
			}
		}
		if !yamlV3Comparable(data) {
			return
		}
		theirs := rulefmtVerdict(data)
		if (len(errs) == 0) != (len(theirs) == 0) {
			t.Fatalf("verdicts differ on %q\n  oomguard: %v\n  rulefmt:  %v", data, errs, theirs)
		}
	})
}

// yamlV3Comparable excludes inputs with aliases, and inputs whose YAML
// breaks after a first document: the loader and rulefmt read YAML with the
// same library (yaml.v3), but bound alias expansion differently
// (docs/robustness.md), and rulefmt reads only the first document, where
// the loader reads them all.
func yamlV3Comparable(data []byte) bool {
	if bytes.ContainsAny(data, "*&") {
		return false
	}
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	var first yamlv3.Node
	if err := dec.Decode(&first); err != nil {
		return true
	}
	for {
		var next yamlv3.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// FuzzExprPos writes an expression in each YAML scalar style, loads it, and
// checks that every byte of the decoded value maps back onto the source
// character it came from.
func FuzzExprPos(f *testing.F) {
	seeds := []string{
		"sum by (job) (rate(x[5m])) > 0.9",
		"up{job='a'}\n  > 1",
		"a\n\n\nb",
		"  leading and trailing  ",
		"tab\there",
		"quote \" and ' and \\\\",
		"unicode é € 😀",
		"line\nmore indented\n    deeper\nback",
		"trailing newline\n",
		"\x07control",
	}
	for _, s := range seeds {
		for style := 0; style < 5; style++ {
			f.Add(s, uint8(style))
		}
	}
	styles := []yaml.Style{0, yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle}
	f.Fuzz(func(t *testing.T, expr string, style uint8) {
		if expr == "" {
			return
		}
		doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "groups"},
			{Kind: yaml.SequenceNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Content: []*yaml.Node{
				{Kind: yaml.ScalarNode, Value: "name"}, {Kind: yaml.ScalarNode, Value: "g"},
				{Kind: yaml.ScalarNode, Value: "rules"},
				{Kind: yaml.SequenceNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Content: []*yaml.Node{
					{Kind: yaml.ScalarNode, Value: "record"}, {Kind: yaml.ScalarNode, Value: "r"},
					{Kind: yaml.ScalarNode, Value: "expr"},
					{Kind: yaml.ScalarNode, Tag: "!!str", Value: expr, Style: styles[int(style)%len(styles)]},
				}}}},
			}}}},
		}}
		var buf bytes.Buffer
		d, err := yaml.NewDumper(&buf, yaml.WithIndent(2), yaml.WithLineWidth(-1))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Dump(doc); err != nil {
			return // the emitter cannot write this string in this style
		}
		if err := d.Close(); err != nil {
			return
		}
		src := buf.Bytes()
		file, _ := Parse("f.yaml", src, Options{})
		gs := file.Groups()
		if len(gs) != 1 || len(gs[0].Rules) != 1 {
			t.Fatalf("did not load back:\n%s", src)
		}
		s := gs[0].Rules[0].Expr
		if s.Value != expr {
			return // the emitter changed the string; not the mapper's business
		}
		offs := align(file.src, s)
		if offs == nil {
			t.Fatalf("no alignment for style %d of %q in\n%s", s.style, expr, src)
		}
		for j := 0; j < len(expr); j++ {
			c := expr[j]
			if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
				continue // may come from folding or an escape
			}
			got := src[offs[j]]
			switch {
			case got == c:
			case s.style == styleDouble && got == '\\':
			default:
				t.Fatalf("byte %d (%q) of %q maps to %q at offset %d in\n%s", j, c, expr, got, offs[j], src)
			}
		}
		if p := file.PosAt(s, len(expr)); !p.IsValid() || strings.Count(string(src), "\n")+1 < p.Line {
			t.Fatalf("end position %v outside the file", p)
		}
	})
}
