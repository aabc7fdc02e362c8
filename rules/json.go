package rules

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// A file that is JSON (kubectl get -o json, jq, Prometheus's JSON rule
// files) is read here, into the nodes the YAML parser (yaml.v3, as
// Prometheus) would make, in one pass and with half its memory: the same
// kinds, styles, tags, values, lines and columns (FuzzJSON compares the
// two). Anything the two might read differently goes to the YAML parser:
// escapes of UTF-16 surrogates and \/ (which yaml.v3 refuses), characters
// YAML treats as line breaks or refuses (NEL, LS, PS, DEL, C1 controls,
// byte order marks), keys longer than YAML's 1,024 characters for a key,
// and invalid UTF-8.

// jsonDocument returns the document node of a JSON text, or nil when text
// is not JSON or is to be read by the YAML parser.
func jsonDocument(text []byte) *yaml.Node {
	t := bytes.TrimLeft(text, " \t\r\n")
	if len(t) == 0 || t[0] != '{' && t[0] != '[' || !utf8.Valid(text) || !json.Valid(text) {
		return nil
	}
	p := &jsonParser{text: text, line: 1, col: 1}
	p.space()
	root := p.value()
	if root == nil {
		return nil
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: root.Line, Column: root.Column, Content: []*yaml.Node{root}}
}

// jsonParser walks valid JSON, keeping the line and column of where it
// is: columns count characters, lines end at LF, CR LF or CR, as YAML's.
type jsonParser struct {
	text      []byte
	i         int
	line, col int
}

func (p *jsonParser) space() {
	for p.i < len(p.text) {
		switch p.text[p.i] {
		case ' ', '\t':
			p.i++
			p.col++
		case '\n':
			p.i++
			p.line, p.col = p.line+1, 1
		case '\r':
			p.i++
			if p.i < len(p.text) && p.text[p.i] == '\n' {
				p.i++
			}
			p.line, p.col = p.line+1, 1
		default:
			return
		}
	}
}

// skip moves past n bytes that hold no line break.
func (p *jsonParser) skip(n int) {
	for _, c := range p.text[p.i : p.i+n] {
		if utf8.RuneStart(c) {
			p.col++
		}
	}
	p.i += n
}

// value reads the value at p.i, and the blanks after it; nil when it is to
// be read by the YAML parser.
func (p *jsonParser) value() *yaml.Node {
	n := &yaml.Node{Line: p.line, Column: p.col}
	switch c := p.text[p.i]; {
	case c == '{':
		n.Kind, n.Style, n.Tag = yaml.MappingNode, yaml.FlowStyle, "!!map"
		p.skip(1)
		p.space()
		for p.text[p.i] != '}' {
			start := p.i
			k := p.value()
			if k == nil || p.i-start > 1024 {
				return nil
			}
			p.skip(1) // :
			p.space()
			v := p.value()
			if v == nil {
				return nil
			}
			n.Content = append(n.Content, k, v)
			if p.text[p.i] == ',' {
				p.skip(1)
				p.space()
			}
		}
		p.skip(1)
	case c == '[':
		n.Kind, n.Style, n.Tag = yaml.SequenceNode, yaml.FlowStyle, "!!seq"
		p.skip(1)
		p.space()
		for p.text[p.i] != ']' {
			v := p.value()
			if v == nil {
				return nil
			}
			n.Content = append(n.Content, v)
			if p.text[p.i] == ',' {
				p.skip(1)
				p.space()
			}
		}
		p.skip(1)
	case c == '"':
		end := p.i + 1
		escaped := false
		for p.text[end] != '"' {
			if p.text[end] == '\\' {
				escaped = true
				end++
			}
			end++
		}
		end++
		raw := p.text[p.i:end]
		n.Kind, n.Style, n.Tag = yaml.ScalarNode, yaml.DoubleQuotedStyle, "!!str"
		if escaped {
			if bytes.Contains(raw, []byte(`\/`)) || bytes.Contains(raw, []byte(`\u`)) && surrogateEscape(raw) {
				return nil
			}
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return nil
			}
			n.Value = s
		} else {
			n.Value = string(raw[1 : len(raw)-1])
		}
		if !yamlPrintable(raw) {
			return nil
		}
		p.skip(end - p.i)
	default:
		end := p.i
		for end < len(p.text) && bytes.IndexByte([]byte(" \t\r\n,]}"), p.text[end]) < 0 {
			end++
		}
		lit := string(p.text[p.i:end])
		n.Kind, n.Value = yaml.ScalarNode, lit
		switch lit {
		case "true", "false":
			n.Tag = "!!bool"
		case "null":
			n.Tag = "!!null"
		default:
			// A number: the tag YAML resolves it to (1e5 is a float).
			var r yaml.Node
			if yaml.Unmarshal(p.text[p.i:end], &r) != nil || len(r.Content) != 1 {
				return nil
			}
			n.Tag = r.Content[0].Tag
		}
		p.skip(end - p.i)
	}
	p.space()
	return n
}

// surrogateEscape reports whether a JSON string escapes a UTF-16
// surrogate (\ud800 to \udfff), which YAML refuses.
func surrogateEscape(raw []byte) bool {
	for i := 0; i+5 < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if raw[i+1] == 'u' && (raw[i+2] == 'd' || raw[i+2] == 'D') && bytes.IndexByte([]byte("89abAB"), raw[i+3]) >= 0 {
			return true
		}
		i++ // past the escaped character
	}
	return false
}

// yamlPrintable reports whether YAML reads the JSON string raw as JSON
// does: no character written as it is that YAML treats as a line break
// (NEL, LS, PS) or refuses (DEL, C1 controls, byte order marks,
// noncharacters). Escaped ones decode the same in both.
func yamlPrintable(raw []byte) bool {
	for _, r := range string(raw) {
		switch {
		case r == 0x7F, r >= 0x80 && r <= 0x9F, r == 0x2028, r == 0x2029, r == 0xFEFF, r == 0xFFFE, r == 0xFFFF:
			return false
		}
	}
	return true
}
