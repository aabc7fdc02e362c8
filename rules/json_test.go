package rules

import (
	"fmt"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// nodeTree writes the parts of a node tree the loader reads.
func nodeTree(n *yaml.Node) string {
	var b strings.Builder
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		fmt.Fprintf(&b, "%s%d %d %s %q %d:%d\n", strings.Repeat(" ", depth), n.Kind, n.Style, n.ShortTag(), n.Value, n.Line, n.Column)
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// checkJSON requires jsonDocument to read data as the YAML parser does,
// when it reads it at all; it reports whether it did.
func checkJSON(t *testing.T, data []byte) bool {
	t.Helper()
	mine := jsonDocument(data)
	if mine == nil {
		return false
	}
	var theirs yaml.Node
	if err := yaml.Unmarshal(data, &theirs); err != nil {
		t.Fatalf("%q: read as JSON, but the YAML parser refuses it: %v", data, err)
	}
	if a, b := nodeTree(mine.Content[0]), nodeTree(theirs.Content[0]); a != b {
		t.Fatalf("%q read differently:\n--- JSON\n%s--- YAML\n%s", data, a, b)
	}
	return true
}

var jsonSeeds = []string{
	`{"groups":[{"name":"g","rules":[{"record":"r","expr":"sum(up{job=\"a\"})\n"}]}]}`,
	"{\r\n  \"a\": [1, -0, 1e5, 1.5E-3, 12345678901234567890, true, false, null],\n\t\"b\": {},\r\"c\": []\n}",
	`{"é":"ü€😀","x":"\b\f\n\r\t\"\\\u00e9\u0000"}`,
	`{"x\/y":1}`,
	`[{"a":1},{"a":2}]`,
	`{"a":"\ud83d\ude00"}`,
	"{\"a\":\"\u0085\"}",
	`{"<<":{"b":1},"a":"x"}`,
	`{"a":1,"a":2}`,
	`{"` + strings.Repeat("k", 1100) + `":1}`,
	`  {"a" :  "b" , "c":[ ]}  `,
}

func TestJSONAsYAML(t *testing.T) {
	read := 0
	for _, s := range jsonSeeds {
		if checkJSON(t, []byte(s)) {
			read++
		} else {
			t.Logf("not read as JSON: %.40q", s)
		}
	}
	if read != len(jsonSeeds)-4 {
		t.Errorf("only %d of %d seeds read as JSON", read, len(jsonSeeds))
	}
	// Positions on a long line: the last item of 20,000.
	var b strings.Builder
	b.WriteString(`{"apiVersion":"v1","kind":"List","items":[`)
	for i := range 20000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"apiVersion":"monitoring.coreos.com/v1","kind":"PrometheusRule","metadata":{"name":"r%d"},"spec":{"groups":[{"name":"g","rules":[{"record":"r","expr":"up","labels":{"a":"é"}}]}]}}`, i)
	}
	b.WriteString("]}")
	f, errs := Parse("l.json", []byte(b.String()), Options{})
	if len(errs) > 0 || len(f.Docs) != 20000 {
		t.Fatalf("%d documents, errors %v", len(f.Docs), errs)
	}
	last := f.Docs[19999].Groups[0].Rules[0].Expr
	// Columns count characters: every item before holds one é of two bytes.
	if off := strings.LastIndex(b.String(), `"up"`); last.Pos != (Pos{Line: 1, Col: off + 1 - 19999}) {
		t.Errorf("last expression at %v, want 1:%d", last.Pos, off+1)
	}
}

// FuzzJSON requires every JSON text jsonDocument reads to be read the same
// way by the YAML parser.
func FuzzJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkJSON(t, data)
	})
}
