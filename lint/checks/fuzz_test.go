package checks_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/lint/engine"
)

// FuzzLint runs the whole lint pipeline, every check, on one file of
// arbitrary bytes (read as standard input). It must not panic, must end
// within a per-input time guard, and must not allocate more than a
// per-input budget; every finding must point inside the file.
//
//	go test ./lint/checks -run '^$' -fuzz FuzzLint -fuzztime 10m -parallel 1
//
// Seeds: the checks' testdata and the lint corpus.
func FuzzLint(f *testing.F) {
	for _, glob := range []string{"testdata/*.yaml", "testdata/corpus/*.yaml"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	all := checks.All()
	const (
		timeGuard  = 20 * time.Second
		allocGuard = 1 << 30
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		type outcome struct {
			res *engine.Result
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			res, err := engine.Inputs(engine.Options{Inputs: []string{"-"}, Stdin: bytes.NewReader(data), Checks: all})
			done <- outcome{res, err}
		}()
		var o outcome
		select {
		case o = <-done:
		case <-time.After(timeGuard):
			t.Fatalf("lint of %d bytes still running after %v", len(data), timeGuard)
		}
		runtime.ReadMemStats(&after)
		if a := after.TotalAlloc - before.TotalAlloc; a > allocGuard {
			t.Fatalf("lint of %d bytes allocated %d MiB", len(data), a>>20)
		}
		if o.err != nil {
			return // an input error (too large, not readable): a clean refusal
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, d := range o.res.Diagnostics {
			if d.Pos.Line < 0 || d.Pos.Line > lines {
				t.Errorf("finding at line %d of a %d-line input: %s (%s)", d.Pos.Line, lines, d.Message, d.Check)
			}
		}
	})
}
