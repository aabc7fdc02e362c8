package checks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// TestFixes makes every safe fix in testdata/fix/NAME.yaml, round after
// round as lint --fix does, and compares the result with NAME.fixed.yaml (-update rewrites it); the fixed file must
// load, and lint it again finds nothing fixable.
func TestFixes(t *testing.T) {
	inputs, err := filepath.Glob("testdata/fix/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, in := range inputs {
		if strings.HasSuffix(in, ".fixed.yaml") {
			continue
		}
		n++
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			f, errs := rules.Parse(in, data, rules.Options{})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			// As lint --fix does: fix, lint again, until nothing changes
			// (overlapping fixes wait for the next round).
			var out []byte
			fixed := 0
			for round := 0; ; round++ {
				if round == 10 {
					t.Fatal("still fixing after 10 rounds")
				}
				next, done, err := engine.ApplyFixes(f, engine.Run([]*rules.File{f}, nil, All(), nil), rules.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if next == nil {
					break
				}
				out, fixed = next, fixed+len(done)
				if f, errs = rules.Parse(in, out, rules.Options{}); len(errs) > 0 {
					t.Fatalf("round %d: the fixed file does not load: %v", round, errs)
				}
			}
			if fixed == 0 {
				t.Fatal("nothing fixed")
			}
			golden := strings.TrimSuffix(in, ".yaml") + ".fixed.yaml"
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != string(want) {
				t.Errorf("fixed file differs from %s:\n%s", golden, out)
			}
			g, errs := rules.Parse(in, out, rules.Options{})
			if len(errs) > 0 {
				t.Fatalf("the fixed file does not load: %v", errs)
			}
			for _, d := range engine.Run([]*rules.File{g}, nil, All(), nil) {
				if !d.Fix.IsZero() {
					if _, _, _, ok := g.SourceEdit(d.Fix.Expr, d.Fix.Start, d.Fix.End, d.Fix.New); ok {
						t.Errorf("still fixable after the fixes: %v", d)
					}
				}
			}
			// Fixing the fixed file changes nothing.
			again, _, err := engine.ApplyFixes(g, engine.Run([]*rules.File{g}, nil, All(), nil), rules.Options{})
			if err != nil || again != nil {
				t.Errorf("a second run changed the file again: %v\n%s", err, again)
			}
		})
	}
	if n == 0 {
		t.Fatal("no fix testdata")
	}
}
