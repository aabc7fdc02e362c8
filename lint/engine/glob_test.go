package engine

import "testing"

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		glob, path string
		want       bool
	}{
		{"rules.yaml", "rules.yaml", true},
		{"rules.yaml", "deploy/rules.yaml", true},
		{"rules.yaml", "deploy/other-rules.yaml", false},
		{"generated/*.yaml", "generated/a.yaml", true},
		{"generated/*.yaml", "/repo/generated/a.yaml", true},
		{"generated/*.yaml", "generated/sub/a.yaml", false},
		{"generated/**", "generated/sub/a.yaml", true},
		{"**/more.yaml", "more.yaml", true},
		{"**/more.yaml", "a/b/more.yaml", true},
		{"/abs/*.yaml", "/abs/x.yaml", true},
		{"/abs/*.yaml", "/other/abs/x.yaml", false},
		{"a?.yaml", "ab.yaml", true},
		{"a?.yaml", "a/.yaml", false},
		{"a.yaml", "axyaml", false},
		{"r[12].yaml", "r1.yaml", true},
		{"r[12].yaml", "r3.yaml", false},
		{"r[0-9]*.yaml", "r7x.yaml", true},
		{"r[^0-9].yaml", "rx.yaml", true},
		{"r[^0-9].yaml", "r5.yaml", false},
		{"r[^0-9].yaml", "r/.yaml", false},
		{`r\[1].yaml`, "r[1].yaml", true},
		{`r\[1].yaml`, "r1.yaml", false},
		{"r[\\]].yaml", "r].yaml", true},
	} {
		g, err := ParseGlob(tc.glob)
		if err != nil {
			t.Fatal(err)
		}
		ig := &Ignore{Files: []Glob{g}}
		if got := ig.matchesFile(tc.path); got != tc.want {
			t.Errorf("%q on %q: %v, want %v (%s)", tc.glob, tc.path, got, tc.want, g)
		}
	}
}

// A glob that is not well formed is refused: taken literally it would
// match nothing, in silence.
func TestGlobMalformed(t *testing.T) {
	for _, g := range []string{"[a", "rules/[.yaml", "a[]", `a\`, "[z-"} {
		if _, err := ParseGlob(g); err == nil {
			t.Errorf("%q: no error", g)
		}
	}
}
