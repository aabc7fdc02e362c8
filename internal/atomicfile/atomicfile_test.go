package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteReplacesAndKeepsMode(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.yaml")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("new")); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "new" {
		t.Errorf("content %q, want %q", got, "new")
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory has %d entries, want only the target", len(entries))
	}
}

func TestWriteFailureLeavesTargetAlone(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "missing-dir", "out.yaml")
	if err := Write(p, []byte("x")); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
	// A directory in the way is not replaced.
	d := filepath.Join(dir, "adir")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(d, []byte("x")); err == nil {
		t.Fatal("write over a directory succeeded")
	}
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		t.Fatal("directory was replaced")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %d entries", len(entries))
	}
}

func TestWriteThroughLinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real", "out.yaml")
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "out.yaml")
	if err := os.Symlink("real/out.yaml", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced")
	}
	got, _ := os.ReadFile(target)
	st, _ := os.Stat(target)
	if string(got) != "new" || st.Mode().Perm() != 0o640 {
		t.Errorf("target %q mode %v, want %q 0640", got, st.Mode().Perm(), "new")
	}
	// A link to a file that does not exist yet creates it.
	if err := os.Symlink("real/new.yaml", filepath.Join(dir, "new.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(dir, "new.yaml"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "real", "new.yaml")); string(got) != "x" {
		t.Errorf("new target %q", got)
	}
}

func TestWriteRefusesReadOnly(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ro.yaml")
	if err := os.WriteFile(p, []byte("keep"), 0o444); err != nil {
		t.Fatal(err)
	}
	err := Write(p, []byte("new"))
	var ro *ReadOnlyError
	if !errors.As(err, &ro) {
		t.Fatalf("error %v, want a ReadOnlyError", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "keep" {
		t.Errorf("read-only file changed to %q", got)
	}
}

func TestWriteKeepsHardLinks(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.WriteFile(a, []byte("old content, longer"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(a, b); err != nil {
		t.Fatal(err)
	}
	if err := Write(a, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(b); string(got) != "new" {
		t.Errorf("other name reads %q", got)
	}
}

func TestWriteSet(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	// A new directory appears whole.
	if err := WriteSet(out, []File{{"a.yaml", []byte("a1")}, {"b.yaml", []byte("b1")}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "README"), []byte("ours"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(out, "a.yaml"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(out, 0o750); err != nil {
		t.Fatal(err)
	}
	// Replacing: other files stay, modes stay.
	if err := WriteSet(out, []File{{"a.yaml", []byte("a2")}, {"c.yaml", []byte("c2")}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a.yaml": "a2", "b.yaml": "b1", "c.yaml": "c2", "README": "ours"}
	entries, _ := os.ReadDir(out)
	if len(entries) != len(want) {
		t.Errorf("%d entries, want %d", len(entries), len(want))
	}
	for name, content := range want {
		if got, _ := os.ReadFile(filepath.Join(out, name)); string(got) != content {
			t.Errorf("%s: %q, want %q", name, got, content)
		}
	}
	if st, _ := os.Stat(filepath.Join(out, "a.yaml")); st.Mode().Perm() != 0o640 {
		t.Errorf("a.yaml mode %v, want 0640", st.Mode().Perm())
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o750 {
		t.Errorf("directory mode %v, want 0750", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary directories left: %d entries beside the set", len(entries))
	}
	// A read-only member stops the set before anything is written.
	if err := os.Chmod(filepath.Join(out, "c.yaml"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := WriteSet(out, []File{{"a.yaml", []byte("a3")}, {"c.yaml", []byte("c3")}}); err == nil {
		t.Fatal("wrote over a read-only member")
	}
	if got, _ := os.ReadFile(filepath.Join(out, "a.yaml")); string(got) != "a2" {
		t.Errorf("a.yaml written: %q", got)
	}
	if err := WriteSet(out, []File{{"a.yaml", nil}, {"a.yaml", nil}}); err == nil {
		t.Error("a name twice in one set accepted")
	}
}

// TestInterrupted interrupts a write and a set with SIGINT just before they
// take their place, in a child process: the old files stay, no temporary
// file or directory is left, and the process ends by the signal.
func TestInterrupted(t *testing.T) {
	if dir := os.Getenv("ATOMICFILE_INTERRUPT_DIR"); dir != "" {
		beforeRename = func() {
			fmt.Println("ready")
			select {}
		}
		if os.Getenv("ATOMICFILE_INTERRUPT_SET") != "" {
			_ = WriteSet(filepath.Join(dir, "out"), []File{{"a.yaml", []byte("new")}})
		} else {
			_ = Write(filepath.Join(dir, "out", "a.yaml"), []byte("new"))
		}
		t.Fatal("not interrupted")
	}
	for _, set := range []string{"", "set"} {
		t.Run("set="+set, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "out", "a.yaml"), []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestInterrupted$")
			cmd.Env = append(os.Environ(), "ATOMICFILE_INTERRUPT_DIR="+dir, "ATOMICFILE_INTERRUPT_SET="+set)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, _ := bufio.NewReader(stdout).ReadString('\n')
			if line != "ready\n" {
				cmd.Process.Kill()
				t.Fatalf("child said %q", line)
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
				t.Errorf("child ended with %v, want killed by SIGINT", err)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, "out", "a.yaml")); string(got) != "old" {
				t.Errorf("content %q, want the old", got)
			}
			for _, d := range []string{dir, filepath.Join(dir, "out")} {
				entries, _ := os.ReadDir(d)
				for _, e := range entries {
					if strings.HasPrefix(e.Name(), ".") {
						t.Errorf("temporary %s left in %s", e.Name(), d)
					}
				}
			}
		})
	}
}
