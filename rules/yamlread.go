package rules

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
	yamlv4 "go.yaml.in/yaml/v4"
)

// Documents are read with yaml.v3, the YAML library Prometheus reads rule
// files with, in time and memory linear in the text: go.yaml.in/yaml/v4
// keeps every token of a flow collection ({...}, [...]) in memory until it
// ends, some 200 bytes a token, so that a manifest list of 100,000 items
// in flow style took gigabytes. v4 reads a file again only when v3 finds a
// syntax error, for the column of the error, which v3 does not give.

// v3Documents returns a function that reads the next document of text;
// io.EOF after the last.
func v3Documents(text []byte) func() (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(text))
	return func() (*yaml.Node, error) {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, &v3Error{err: err}
		}
		return &n, nil
	}
}

// v3Error is a syntax error v3 found.
type v3Error struct{ err error }

func (e *v3Error) Error() string { return e.err.Error() }

// v3Line finds the line of a v3 error message.
var v3Line = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError reports the syntax error v3 found in the file: where v4
// places it, with its column, when v4 finds an error too; else at the line
// v3 gives. v4 is not asked when the text is dense with flow indicators,
// which would take it too much memory (see above).
func (d *decoder) syntaxError(err *v3Error) {
	if !flowDense(d.src.text) {
		if loader, lerr := yamlv4.NewLoader(bytes.NewReader(d.src.text)); lerr == nil {
			for {
				var root yamlv4.Node
				lerr = loader.Load(&root)
				if lerr != nil {
					break
				}
			}
			if !errors.Is(lerr, io.EOF) {
				d.yamlError(lerr)
				return
			}
		}
	}
	msg := err.Error()
	p := Pos{Line: 1, Col: 1}
	if m := v3Line.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		p, msg = d.src.clamp(Pos{Line: line, Col: 1}), "yaml: "+m[2]
	}
	d.errorf(p, "%s", msg)
}

// flowDense reports whether some 256 KiB of text hold more than 16,384
// flow indicators ({ } [ ] , :), so many that it is likely written in flow
// style. Rule files in block style stay under 16,000 (the densest of the
// public rule sets under testdata/realworld: 15,818, Prometheus's own
// rules_large.yml); flow style and JSON have some 50,000.
func flowDense(text []byte) bool {
	const window, most = 256 << 10, 16 << 10
	n := 0
	for i, c := range text {
		if isFlowIndicator(c) {
			n++
		}
		if i >= window && isFlowIndicator(text[i-window]) {
			n--
		}
		if n > most {
			return true
		}
	}
	return false
}

func isFlowIndicator(c byte) bool {
	switch c {
	case '{', '}', '[', ']', ',', ':':
		return true
	}
	return false
}
