package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/oomguard/oomguard/rules"
)

// A finding that occurs twice in the baseline is accepted twice, not more.
func TestBaselineCounts(t *testing.T) {
	d := Diagnostic{File: "a.yaml", Pos: rules.Pos{Line: 3, Col: 1}, Check: "identity/duplicate-rule", Message: "m"}
	b := NewBaseline([]Diagnostic{d, d})
	data, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadBaseline(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	kept, fixed := loaded.Filter([]Diagnostic{d, d, d})
	if len(kept) != 1 || fixed != 0 {
		t.Errorf("three findings over a baseline of two: kept %d, fixed %d; want 1, 0", len(kept), fixed)
	}
	kept, fixed = loaded.Filter([]Diagnostic{d})
	if len(kept) != 0 || fixed != 1 {
		t.Errorf("one finding over a baseline of two: kept %d, fixed %d; want 0, 1", len(kept), fixed)
	}
}
