package cli

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oomguard/oomguard/internal/termtest"
)

func TestProgressLine(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name                    string
		done, total, rateDone   int
		elapsed                 time.Duration
		detail, finishing, want string
	}{
		{name: "before a count", want: "oomguard lint: reading the inputs"},
		{name: "count without total", done: 2, detail: ", 40 rules", want: "oomguard lint: 2 files, 40 rules"},
		{name: "nothing done yet: no estimate", total: 10, elapsed: 3 * time.Second, want: "oomguard lint: 0/10 files"},
		{name: "estimate", done: 10, total: 40, elapsed: 5 * time.Second, detail: ", 100 rules", want: "oomguard lint: 10/40 files, 100 rules, about 15s left"},
		{name: "estimate past a minute", done: 1, total: 100, elapsed: 2 * time.Second, want: "oomguard lint: 1/100 files, about 3m18s left"},
		{name: "estimate rounded up, never 0s", done: 999, total: 1000, elapsed: time.Second, want: "oomguard lint: 999/1000 files, about 1s left"},
		{name: "rate of the count since it started", done: 30, total: 40, rateDone: 20, elapsed: 10 * time.Second, want: "oomguard lint: 30/40 files, about 10s left"},
		{name: "all done", done: 40, total: 40, finishing: "checking across files", want: "oomguard lint: 40/40 files, checking across files"},
		{name: "all done, nothing after", done: 1, total: 1, want: "oomguard lint: 1/1 file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &progress{prefix: "oomguard lint", unit: "file", phase: "reading the inputs", finishing: tc.finishing,
				done: tc.done, total: tc.total, detail: tc.detail, rateStart: start, rateDone: tc.rateDone}
			if got := p.line(start.Add(tc.elapsed)); got != tc.want {
				t.Errorf("line = %q, want %q", got, tc.want)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer the progress's ticker may write to while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgressWipedAndThrottled(t *testing.T) {
	t.Setenv(progressDelayEnv, "0")
	var out syncBuffer
	start := time.Now()
	p := startProgress(&out, "always", "oomguard test", "test group", "reading the test files", "")
	if p == nil {
		t.Fatal("--progress always: no progress")
	}
	const n = 300 // a millisecond each, or more
	p.set(0, n, "")
	fmt.Fprintln(p.errOut(nil), "a message in the middle")
	for i := 1; i <= n; i++ {
		time.Sleep(time.Millisecond)
		p.set(i, n, "")
	}
	p.stop()
	p.stop() // a second stop does nothing
	elapsed := time.Since(start)
	got := out.String()
	if !strings.HasPrefix(got, "\roomguard test: 0/300 test groups") {
		t.Errorf("the first count is not drawn at once with a delay of 0:\n%q", got)
	}
	// Drawn again as the count goes on (300 ms at least: three times
	// progressEvery), but no more than once in 9/10 of progressEvery.
	draws := strings.Count(got, "\roomguard test:")
	if most := int(elapsed/(progressEvery*9/10)) + 1; draws < 2 || draws > most {
		t.Errorf("%d drawings in %v: want 2 to %d", draws, elapsed, most)
	}
	// What the terminal shows at the end: the message alone, the line
	// wiped before it and at the end.
	if screen := termtest.Render(got); screen != "a message in the middle" {
		t.Errorf("the terminal shows %q, want the message alone; written:\n%q", screen, got)
	}
	p.set(1, 1, "")
	if after := out.String(); after != got {
		t.Errorf("drawn after stop: %q", after[len(got):])
	}
}

func TestProgressDelay(t *testing.T) {
	t.Setenv(progressDelayEnv, "1h")
	var out syncBuffer
	p := startProgress(&out, "always", "oomguard lint", "file", "reading the inputs", "")
	for i := range 100 {
		p.set(i, 100, "")
	}
	time.Sleep(3 * progressEvery) // the ticker's turns too
	p.stop()
	if got := out.String(); got != "" {
		t.Errorf("work shorter than the delay drew %q", got)
	}
}

func TestProgressOff(t *testing.T) {
	t.Setenv(progressDelayEnv, "0")
	var out bytes.Buffer
	// auto: a buffer is no terminal; never: nothing anywhere.
	for _, mode := range []string{"auto", "never"} {
		if p := startProgress(&out, mode, "oomguard lint", "file", "", ""); p != nil {
			p.stop()
			t.Errorf("--progress %s on a buffer: a progress", mode)
		}
	}
	// A nil progress does nothing, and leaves the stream as it is.
	var p *progress
	p.set(1, 2, "")
	p.stop()
	if w := p.errOut(&out); w != &out {
		t.Errorf("errOut of no progress = %v, want the stream", w)
	}
	if out.Len() != 0 {
		t.Errorf("written: %q", out.String())
	}
}
