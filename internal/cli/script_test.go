package cli

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata scripts and golden files")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"oomguard": func() {
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
//	bigfile PATH N  write a rule file of N bytes (one rule, the rest a
//	              comment), for the file size limit
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "../../testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			// Files the scripts and their commands create get the same
			// modes on every machine.
			syscall.Umask(0o022)
			env.Setenv("NO_COLOR", "1")
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
				var b strings.Builder
				root := ts.MkAbs(args[0])
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
				if err != nil {
					ts.Fatalf("tree: %v", err)
				}
				_, _ = ts.Stdout().Write([]byte(b.String()))
			},
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
