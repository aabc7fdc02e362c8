package lint

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
