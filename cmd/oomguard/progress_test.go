//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/oomguard/oomguard/internal/termtest"
)

// TestProgressTerminal runs the oomguard binary with standard error on a
// pseudo-terminal, as a user at a terminal has it, and its standard output
// in a pipe. Where the progress line shows, the test requires it to be
// drawn and then wiped: what the terminal shows in the end (carriage
// returns applied) is exactly what the same command writes to standard
// error in a pipe, and standard output is byte for byte the same.
// OOMGUARD_PROGRESS_DELAY, for tests, stands for a second of work.
func TestProgressTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds oomguard")
	}
	bin := buildOomguard(t, t.TempDir())
	dir := t.TempDir()
	for i := range 30 {
		writeFile(t, filepath.Join(dir, "rules", fmt.Sprintf("r%02d.yaml", i)), fmt.Sprintf(`groups:
  - name: memory-%[1]d
    rules:
      - record: namespace:container_memory_working_set_bytes:sum%[1]d
        expr: sum by (namespace) (container_memory_working_set_bytes{container!="", image!=""})
      - alert: ContainerMemoryHigh%[1]d
        expr: container_memory_working_set_bytes{container!=""} > 1e9
        for: 1m
`, i))
	}
	writeFile(t, filepath.Join(dir, "bad", "bad.yaml"), "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: sum(rate(x[5m])\n")
	var tests strings.Builder
	tests.WriteString("rule_files: [rules/r00.yaml]\ntests:\n")
	for i := range 12 {
		fmt.Fprintf(&tests, `  - name: group %d
    interval: 1m
    input_series:
      - series: 'container_memory_working_set_bytes{namespace="a", pod="p", container="c", image="i"}'
        values: '%d+0x10'
    promql_expr_test:
      - expr: namespace:container_memory_working_set_bytes:sum0
        eval_time: 5m
        exp_samples:
          - labels: 'namespace:container_memory_working_set_bytes:sum0{namespace="a"}'
            value: %d
`, i, i, i)
	}
	writeFile(t, filepath.Join(dir, "tests.yml"), tests.String())

	for _, tc := range []struct {
		name string
		args []string
		env  []string
		// line is the start of the first drawing of the progress line,
		// "" when there must be none.
		line string
	}{
		{"lint", []string{"lint", "rules/"}, []string{"OOMGUARD_PROGRESS_DELAY=0"}, "\roomguard lint: 0/30 files, 0 rules"},
		{"lint with findings", []string{"lint", "--fail-on", "error", "rules/", "bad/"}, []string{"OOMGUARD_PROGRESS_DELAY=0"}, "\roomguard lint: 0/31 files, 0 rules"},
		{"lint json", []string{"lint", "--format", "json", "rules/"}, []string{"OOMGUARD_PROGRESS_DELAY=0"}, "\roomguard lint: 0/30 files"},
		{"test", []string{"test", "tests.yml"}, []string{"OOMGUARD_PROGRESS_DELAY=0"}, "\roomguard test: 0/12 test groups"},
		{"test -j 1", []string{"test", "-j", "1", "tests.yml"}, []string{"OOMGUARD_PROGRESS_DELAY=0"}, "\roomguard test: 0/12 test groups"},
		// Work shorter than the delay: no line at all.
		{"before the delay", []string{"lint", "rules/"}, []string{"OOMGUARD_PROGRESS_DELAY=1h"}, ""},
		{"test before the delay", []string{"test", "tests.yml"}, []string{"OOMGUARD_PROGRESS_DELAY=1h"}, ""},
		// Turned off, on a terminal.
		{"never", []string{"lint", "--progress", "never", "rules/"}, []string{"OOMGUARD_PROGRESS_DELAY=0"}, ""},
		{"CI", []string{"lint", "rules/"}, []string{"OOMGUARD_PROGRESS_DELAY=0", "CI=true"}, ""},
		{"test in CI", []string{"test", "tests.yml"}, []string{"OOMGUARD_PROGRESS_DELAY=0", "CI=1"}, ""},
		{"dumb terminal", []string{"lint", "rules/"}, []string{"OOMGUARD_PROGRESS_DELAY=0", "TERM=dumb"}, ""},
		// always: CI or not.
		{"always in CI", []string{"lint", "--progress", "always", "rules/"}, []string{"OOMGUARD_PROGRESS_DELAY=0", "CI=true"}, "\roomguard lint: 0/30 files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := append(cleanEnv(), tc.env...)
			// In a pipe, the same command (with always, never: always
			// draws the line wherever it goes).
			pipeArgs := slices.Clone(tc.args)
			if i := slices.Index(pipeArgs, "always"); i >= 0 {
				pipeArgs[i] = "never"
			}
			piped := runPiped(t, bin, dir, env, pipeArgs)
			onTTY := runOnTerminal(t, bin, dir, env, tc.args)
			if onTTY.exit != piped.exit {
				t.Errorf("exit %d on a terminal, %d in a pipe", onTTY.exit, piped.exit)
			}
			if !bytes.Equal(onTTY.stdout, piped.stdout) {
				t.Errorf("standard output differs:\non a terminal: %q\nin a pipe:     %q", onTTY.stdout, piped.stdout)
			}
			if strings.Contains(string(piped.stderr), "\r") {
				t.Errorf("a progress line in a pipe: %q", piped.stderr)
			}
			got := string(onTTY.stderr)
			if tc.line == "" {
				if got != string(piped.stderr) {
					t.Errorf("standard error on a terminal differs from the pipe's:\n%q\nwant\n%q", got, piped.stderr)
				}
				return
			}
			if !strings.HasPrefix(got, tc.line) {
				t.Errorf("the terminal does not start with %q:\n%q", tc.line, got)
			}
			// The last drawing is wiped with spaces before anything else
			// is written, and the terminal then shows what the pipe got.
			last := strings.LastIndex(got, "\r")
			wipe := strings.LastIndex(got[:last], "\r")
			if wipe < 0 || strings.Trim(got[wipe+1:last], " ") != "" || last == wipe+1 {
				t.Errorf("the line is not wiped at the end: %q", got)
			}
			if screen, want := termtest.Render(got), termtest.Render(string(piped.stderr)); screen != want {
				t.Errorf("the terminal shows\n%s\nwant, as in a pipe,\n%s\nwritten: %q", screen, want, got)
			}
		})
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cleanEnv is the environment without what turns the progress line off or
// sets its delay, on a terminal of a common kind.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "CI", "TERM", "OOMGUARD_PROGRESS_DELAY":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TERM=xterm-256color", "NO_COLOR=1")
}

type run struct {
	exit           int
	stdout, stderr []byte
}

func runPiped(t *testing.T, bin, dir string, env, args []string) run {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return run{exit: exitOf(t, cmd.Run()), stdout: stdout.Bytes(), stderr: stderr.Bytes()}
}

// runOnTerminal runs the binary with standard error on a new
// pseudo-terminal (standard output in a pipe), and returns what it wrote
// to each.
func runOnTerminal(t *testing.T, bin, dir string, env, args []string) run {
	t.Helper()
	ptm, pts := openPTY(t)
	defer ptm.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, pts
	if err := cmd.Start(); err != nil {
		pts.Close()
		t.Fatal(err)
	}
	// With the child's the only end left open, reading ends (EIO) when
	// it exits.
	pts.Close()
	read := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(ptm)
		read <- b
	}()
	err := cmd.Wait()
	return run{exit: exitOf(t, err), stdout: stdout.Bytes(), stderr: <-read}
}

func exitOf(t *testing.T, err error) int {
	t.Helper()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// openPTY opens a pseudo-terminal pair, the terminal end set to pass
// output through as written (no newline turned into carriage return and
// newline) and 120 columns wide.
func openPTY(t *testing.T) (ptm, pts *os.File) {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("a pseudo-terminal: %v", err)
	}
	fd := int(ptm.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		ptm.Close()
		t.Fatalf("unlocking the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		ptm.Close()
		t.Fatalf("the pseudo-terminal's number: %v", err)
	}
	pts, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		ptm.Close()
		t.Fatal(err)
	}
	sfd := int(pts.Fd())
	tio, err := unix.IoctlGetTermios(sfd, unix.TCGETS)
	if err == nil {
		tio.Oflag &^= unix.OPOST
		err = unix.IoctlSetTermios(sfd, unix.TCSETS, tio)
	}
	if err == nil {
		err = unix.IoctlSetWinsize(sfd, unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 120})
	}
	if err != nil {
		ptm.Close()
		pts.Close()
		t.Fatalf("setting up the terminal: %v", err)
	}
	return ptm, pts
}
