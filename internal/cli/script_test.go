package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/oomguard/oomguard/internal/atomicfile"
)

// pauseWrites, set in the environment of oomguard in a script, makes its
// writes stop before the rename that puts them in place, saying pausedLine
// on stderr.
const (
	pauseWrites = "OOMGUARD_TEST_PAUSE_WRITES"
	pausedLine  = "oomguard-test: paused before rename"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata scripts and golden files")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"oomguard": func() {
			if os.Getenv(pauseWrites) != "" {
				// The interrupted command of the scripts: every write
				// stops with its new content complete, beside the old.
				atomicfile.PauseBeforeRename(func() {
					fmt.Fprintln(os.Stderr, pausedLine)
					select {}
				})
			}
			os.Exit(Main(os.Args[1:], Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
		},
	})
}

// TestScripts runs the command-line scripts in testdata/script. Besides
// testscript's own commands, a script can say
//
//	exits N command args...
//
// to run a command and require exit code N, keeping its stdout and stderr
// for the checks that follow; and
//
//	tree DIR      list DIR's entries (hidden ones too) with type, mode,
//	              hard links and link targets, for cmp stdout
//	mkfifo PATH   make a FIFO
//	link OLD NEW  make a hard link
//	interrupted SIG DIR command args...
//	              run command with its writes paused before their rename;
//	              when it pauses, print the tree of DIR, send it SIG (INT
//	              or TERM), and require that it ends by that signal
//	bigfile PATH N  write a rule file of N bytes (one rule, the rest a
//	              comment), for the file size limit
//
// The scripts share one pack cache (OOMGUARD_CACHE_DIR), as a user's
// commands share theirs: each configuration's pack is built and tested once
// in the run, by whichever script asks first, and the cache gives the same
// output as a build (the generate package's tests check that). A script
// that sets the variable itself keeps its own.
func TestScripts(t *testing.T) {
	cache := t.TempDir()
	testscript.Run(t, testscript.Params{
		Dir:           "../../testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			// Files the scripts and their commands create get the same
			// modes on every machine.
			syscall.Umask(0o022)
			env.Setenv("NO_COLOR", "1")
			env.Setenv("OOMGUARD_CACHE_DIR", cache)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exits N command [args...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exits: bad exit code %q", args[0])
				}
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("exits: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("exit code %d, want %d", got, want)
				}
			},
			"tree": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: tree DIR")
				}
				out, err := treeOf(ts.MkAbs(args[0]))
				if err != nil {
					ts.Fatalf("tree: %v", err)
				}
				_, _ = ts.Stdout().Write([]byte(out))
			},
			"interrupted": interrupted,
			"mkfifo": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: mkfifo PATH")
				}
				ts.Check(syscall.Mkfifo(ts.MkAbs(args[0]), 0o644))
			},
			"bigfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: bigfile PATH N")
				}
				n, err := strconv.Atoi(args[1])
				ts.Check(err)
				head := "groups:\n- name: g\n  rules:\n  - record: job:a:sum\n    expr: sum by (job) (a)\n# "
				if n < len(head)+1 {
					ts.Fatalf("bigfile: %d bytes is too small", n)
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(head+strings.Repeat("x", n-len(head)-1)+"\n"), 0o644))
			},
			"link": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: link OLD NEW")
				}
				ts.Check(os.Link(ts.MkAbs(args[0]), ts.MkAbs(args[1])))
			},
		},
	})
}

// treeOf lists root's entries (hidden ones too) with type, mode, hard links
// and link targets, one a line.
func treeOf(root string) (string, error) {
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		kind := map[bool]string{true: "d"}[st.IsDir()]
		switch m := st.Mode(); {
		case m&fs.ModeSymlink != 0:
			kind = "l"
		case m&fs.ModeNamedPipe != 0:
			kind = "p"
		case m.IsRegular():
			kind = "f"
		}
		fmt.Fprintf(&b, "%s %04o", kind, st.Mode().Perm())
		if sys, ok := st.Sys().(*syscall.Stat_t); ok && kind == "f" && sys.Nlink > 1 {
			fmt.Fprintf(&b, " links=%d", sys.Nlink)
		}
		fmt.Fprintf(&b, " %s", filepath.ToSlash(rel))
		if kind == "l" {
			target, _ := os.Readlink(p)
			fmt.Fprintf(&b, " -> %s", target)
		}
		b.WriteByte('\n')
		return nil
	})
	return b.String(), err
}

// interrupted is the script command interrupted SIG DIR command args...:
// it runs the command with its writes paused before their rename (the
// new content complete, beside the old), prints the tree of DIR at that
// moment, sends the command SIG (INT or TERM), and requires that the
// command ends by that signal. Its stdout: "while paused:", the tree, then
// how the command ended.
func interrupted(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: interrupted INT|TERM DIR command [args...]")
	}
	sig := map[string]syscall.Signal{"INT": syscall.SIGINT, "TERM": syscall.SIGTERM}[args[0]]
	if sig == 0 {
		ts.Fatalf("interrupted: signal %q: INT or TERM", args[0])
	}
	path, err := exec.LookPath(args[2])
	if filepath.Base(args[2]) == args[2] {
		// The script's PATH, where its own commands are.
		path, err = lookPath(ts.Getenv("PATH"), args[2])
	}
	ts.Check(err)
	cmd := exec.Command(path, args[3:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = os.Environ()
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "WORK", "NO_COLOR", "OOMGUARD_CACHE_DIR"} {
		if v := ts.Getenv(k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, pauseWrites+"=1")
	stderr, err := cmd.StderrPipe()
	ts.Check(err)
	var stdout strings.Builder
	cmd.Stdout = &stdout
	ts.Check(cmd.Start())
	// The line that says the write is paused, within a guard.
	paused := make(chan bool, 1)
	var said strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if sc.Text() == pausedLine {
				paused <- true
				io.Copy(io.Discard, stderr)
				return
			}
			said.WriteString(sc.Text() + "\n")
		}
		paused <- false
	}()
	select {
	case ok := <-paused:
		if !ok {
			cmd.Wait()
			ts.Fatalf("interrupted: the command ended without writing (%v):\n%s", cmd.ProcessState, said.String())
		}
	case <-time.After(5 * time.Minute):
		cmd.Process.Kill()
		cmd.Wait()
		ts.Fatalf("interrupted: no write within 5 minutes")
	}
	tree, err := treeOf(ts.MkAbs(args[1]))
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "while paused:\n%s", tree)
	ts.Check(cmd.Process.Signal(sig))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		ts.Fatalf("interrupted: still running a minute after SIG%s", args[0])
	}
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != sig {
		ts.Fatalf("interrupted: the command ended with %v, want killed by SIG%s", cmd.ProcessState, args[0])
	}
	// As a shell reports it: 128 + the signal's number.
	fmt.Fprintf(ts.Stdout(), "ended by SIG%s (exit status %d in a shell)\n", args[0], 128+int(sig))
}

// lookPath finds an executable file named name in the directories of path.
func lookPath(path, name string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in the script's PATH", name)
}
