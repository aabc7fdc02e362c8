package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The rows of docs/robustness.md: inputs that once made oomguard run for
// minutes or take gigabytes. Each runs the oomguard binary (built without
// the race detector, as users run it) as a child process, and requires it
// to finish with the stated message and exit code, with a peak resident
// size under 1 GiB, read from the child's rusage (an address-space limit
// says nothing of Go, which reserves far more than it uses). A hang guard
// kills a child that runs for two minutes: a guard, not a benchmark.
//
//	go test ./cmd/oomguard -run TestRows -v               # the figures, in the log
//	go test ./cmd/oomguard -run TestRows -rows-report=F   # and as a markdown table
//	go test ./cmd/oomguard -run TestRows -rows-bin=B      # the rows run by binary B
//	go test ./cmd/oomguard -run TestRows -rows-heavy      # and the heavy rows

var (
	rowsReport = flag.String("rows-report", "", "write the time and peak memory of each row to this file, as markdown")
	rowsBin    = flag.String("rows-bin", "", "run this oomguard binary instead of building one (to measure another version: failures are then its own)")
	rowsKeep   = flag.String("rows-keep", "", "write each row's input into a directory of its own under this one, and keep it")
	rowsHeavy  = flag.Bool("rows-heavy", false, "run the heavy rows too (tens of seconds of CPU each: for docs/robustness.md, not for every test run)")
)

const (
	maxRSS    = 1 << 30
	hangGuard = 2 * time.Minute
)

// row is one input and what oomguard must make of it.
type row struct {
	name string
	// setup writes the input into dir and returns oomguard's arguments.
	setup func(t *testing.T, dir string) []string
	// exit is the exit code, want a pattern the output (stdout and
	// stderr) must hold.
	exit int
	want string
	// heavy rows (the large sizes that show the slope) run only with
	// -rows-heavy: on a loaded machine they could outrun the hang guard.
	heavy bool
}

// buildOomguard builds the binary into dir.
func buildOomguard(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "oomguard")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// result is how a row went.
type result struct {
	elapsed time.Duration
	maxRSS  int64         // bytes
	cpu     time.Duration // user and system time
	exit    int
	output  string
	killed  bool
}

// runRow runs the binary on a row's input, in dir, with the hang guard.
func runRow(t *testing.T, bin, dir string, args []string) result {
	t.Helper()
	resetPeak(t)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	killed := false
	timer := time.AfterFunc(hangGuard, func() {
		killed = true
		_ = cmd.Process.Kill()
	})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	<-done
	timer.Stop()
	r := result{elapsed: time.Since(start), exit: cmd.ProcessState.ExitCode(), output: out.String(), killed: killed}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		// ru_maxrss is in KiB on Linux; it counts the child's own
		// children too (the jsonnet sandbox).
		r.maxRSS = ru.Maxrss << 10
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return r
}

func TestRows(t *testing.T) {
	if testing.Short() {
		t.Skip("builds oomguard and runs it on large inputs")
	}
	bin := *rowsBin
	if bin == "" {
		bin = buildOomguard(t, t.TempDir())
	}
	var report strings.Builder
	report.WriteString("| row | exit | time | CPU (user+sys) | peak memory |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			if r.heavy && !*rowsHeavy {
				t.Skip("a heavy row: -rows-heavy runs it")
			}
			dir := t.TempDir()
			if *rowsKeep != "" {
				dir = filepath.Join(*rowsKeep, strings.Map(func(c rune) rune {
					if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
						return c
					}
					return '-'
				}, strings.ToLower(r.name)))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			args := r.setup(t, dir)
			res := runRow(t, bin, dir, args)
			t.Logf("%s: exit %d in %v (CPU %v), peak %d MiB", r.name, res.exit, res.elapsed.Round(time.Millisecond), res.cpu.Round(time.Millisecond), res.maxRSS>>20)
			killed := ""
			if res.killed {
				killed = " (killed)"
			}
			fmt.Fprintf(&report, "| %s | %d%s | %.2f s | %.2f s | %d MiB |\n", r.name, res.exit, killed, res.elapsed.Seconds(), res.cpu.Seconds(), res.maxRSS>>20)
			switch {
			case res.killed:
				t.Fatalf("still running after %v: killed", hangGuard)
			case res.maxRSS >= maxRSS:
				t.Errorf("peak resident size %d MiB, over %d MiB", res.maxRSS>>20, maxRSS>>20)
			}
			if res.exit != r.exit {
				t.Errorf("exit code %d, want %d", res.exit, r.exit)
			}
			if !regexp.MustCompile(r.want).MatchString(res.output) {
				t.Errorf("output does not match %q:\n%.2000s", r.want, res.output)
			}
		})
	}
	if *rowsReport != "" {
		if err := os.WriteFile(*rowsReport, []byte(report.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// resetPeak makes this process's peak resident size its current one. A
// child's rusage counts the peak of the process it was started from, up to
// its exec: without this, the memory the test took to make an input would
// count as the child's.
func resetPeak(t *testing.T) {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("peak memory includes the test's own: %v", err)
	}
}

// write writes files into dir: name, content, name, content...
func write(t *testing.T, dir string, files ...string) {
	t.Helper()
	for i := 0; i+1 < len(files); i += 2 {
		p := filepath.Join(dir, files[i])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
