package rules

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestBadInput loads every file of the bad-input corpus: each must give at
// least one error, every error positioned, and exactly the errors in its
// golden file. None may panic.
func TestBadInput(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, errs := Parse(name, data, Options{})
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			var got bytes.Buffer
			for _, e := range errs {
				if !e.Pos.IsValid() {
					t.Errorf("error without a position: %v", e)
				}
				fmt.Fprintln(&got, e)
			}
			for _, w := range f.Warnings {
				fmt.Fprintln(&got, "warning:", w)
			}
			golden := strings.TrimSuffix(path, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got.String() != string(want) {
				t.Errorf("errors differ from %s:\ngot:\n%s\nwant:\n%s", golden, got.String(), want)
			}
		})
	}
}

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestLargeFile feeds a 50 MB rule file: it is refused with a positioned
// error without being read whole. The memory figure goes to
// docs/robustness.md; the bound here only catches a loader that reads or
// parses the whole file.
func TestLargeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "large.yaml")
	var b bytes.Buffer
	b.WriteString("groups:\n  - name: g\n    rules:\n")
	for i := 0; b.Len() < 50<<20; i++ {
		fmt.Fprintf(&b, "      - record: r:%d\n        expr: sum(rate(container_cpu_usage_seconds_total{container!=\"\"}[5m]))\n", i)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	large := b.Bytes()
	for _, tc := range []struct {
		name  string
		arg   string
		stdin []byte
		bound uint64
	}{
		// A file is refused on its size, before it is read.
		{"file", path, nil, 1 << 20},
		// Standard input is read up to the limit, no further.
		{"stdin", "-", large, 3 * DefaultMaxFileSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errs ErrorList
			var err error
			mem := allocated(func() {
				_, errs, err = LoadFiles([]string{tc.arg}, bytes.NewReader(tc.stdin), Options{})
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) != 1 || errs[0].Pos != (Pos{1, 1}) || !strings.Contains(errs[0].Msg, "more than the limit") {
				t.Fatalf("errors: %v", errs)
			}
			t.Logf("50 MB %s refused after allocating %d KiB", tc.name, mem>>10)
			if mem > tc.bound && !raceEnabled {
				t.Errorf("allocated %d bytes to refuse a large input, bound %d", mem, tc.bound)
			}
		})
	}
}

// TestAliasBomb checks that a document whose aliases expand to millions of
// nodes is refused early, in memory proportional to its size.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	const n = 10000 // 10000 groups of 10000 rules: 100 million if expanded
	b.WriteString("x:\n  - &r {record: \"a:b\", expr: up}\n  - &g {name: g, rules: [")
	b.WriteString(strings.Repeat("*r, ", n))
	b.WriteString("*r]}\ngroups: [")
	b.WriteString(strings.Repeat("*g, ", n))
	b.WriteString("*g]\n")
	data := []byte(b.String())
	var errs ErrorList
	mem := allocated(func() { _, errs = Parse("bomb.yaml", data, Options{}) })
	found := false
	for _, e := range errs {
		if strings.Contains(e.Msg, "aliases expand the document by more than") {
			found = true
		}
	}
	if !found {
		t.Fatalf("bomb not refused: %v", errs)
	}
	t.Logf("%d KiB alias bomb refused after allocating %d KiB", len(data)>>10, mem>>10)
	if mem > uint64(len(data))*2000 && !raceEnabled {
		t.Errorf("allocated %d bytes for a %d-byte bomb", mem, len(data))
	}
}
