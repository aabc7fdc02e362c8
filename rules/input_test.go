package rules

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(small, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink("small.yaml", link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		max  int64
		want string // "" for success
	}{
		{small, 0, ""},
		{link, 0, ""},
		{fifo, 0, "a FIFO, not a regular file"},
		{"/dev/zero", 0, "a character device, not a regular file"},
		{dir, 0, "a directory, not a regular file"},
		{filepath.Join(dir, "missing.yaml"), 0, "no such file or directory"},
		{small, 5, "file is 10 bytes, more than the limit of 5 bytes"},
	}
	for _, tc := range tests {
		done := make(chan struct{})
		var data []byte
		var err error
		go func() {
			data, err = ReadRegular(tc.path, tc.max)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still reading after 10s", tc.path)
		}
		switch {
		case tc.want == "" && (err != nil || string(data) != "0123456789"):
			t.Errorf("%s: %q, %v", tc.path, data, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), tc.path+": ")):
			t.Errorf("%s: error %v, want one naming the path with %q", tc.path, err, tc.want)
		}
	}
	var ie *InputError
	if _, err := ReadRegular(fifo, 0); !errors.As(err, &ie) {
		t.Errorf("a FIFO gives %T, want an *InputError", err)
	}
	var big *TooLargeError
	if _, err := ReadRegular(small, 5); !errors.As(err, &big) || big.Size != 10 {
		t.Errorf("a large file gives %v, want a *TooLargeError of 10 bytes", err)
	}
}

// ReadLines gives the lines ReadRegular's text splits into at "\n", the
// empty ones too but not an empty one after the last line break, stops when
// told, and refuses what ReadRegular refuses.
func TestReadLines(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("x", 200<<10) // longer than the reader's buffer
	for _, text := range []string{"", "a", "a\n", "a\r\n\nb", "\n\n", "groups:\n- x\n" + long + "\nlast", long} {
		path := filepath.Join(dir, "f.yaml")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		var got []string
		if err := ReadLines(path, 0, func(line []byte) bool { got = append(got, string(line)); return true }); err != nil {
			t.Fatal(err)
		}
		var want []string
		for data := text; len(data) > 0; {
			line, rest, _ := strings.Cut(data, "\n")
			want, data = append(want, line), rest
		}
		if !slices.Equal(got, want) {
			t.Errorf("%.20q: %d lines %.40q, want %d %.40q", text, len(got), got, len(want), want)
		}
		n := 0
		if err := ReadLines(path, 0, func([]byte) bool { n++; return false }); err != nil || n > 1 {
			t.Errorf("%.20q: %d calls after the first said stop (%v)", text, n, err)
		}
	}
	var ie *InputError
	if err := ReadLines(dir, 0, func([]byte) bool { return true }); !errors.As(err, &ie) {
		t.Errorf("a directory gives %v, want an *InputError", err)
	}
	small := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(small, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	var big *TooLargeError
	if err := ReadLines(small, 5, func([]byte) bool { return true }); !errors.As(err, &big) {
		t.Errorf("a large file gives %v, want a *TooLargeError", err)
	}
}

func TestExpandInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("secret/config", "token")
	write("tree/a.yaml", "")
	write("tree/sub/b.yml", "")
	write("tree/sub/data.txt", "")
	write("tree/.hidden/c.yaml", "")
	write("r[1].yaml", "")
	write("r1.yaml", "")
	for link, target := range map[string]string{
		"tree/out.yaml":    "../secret/config",
		"tree/abs.yaml":    filepath.Join(dir, "secret/config"),
		"tree/in.yaml":     "sub/data.txt",
		"tree/absin.yaml":  filepath.Join(dir, "tree/sub/data.txt"),
		"tree/dir.yaml":    "sub",
		"tree/gone.yaml":   "nowhere",
		"tree/sub/up.yaml": "../../secret/config",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "tree/pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)

	in, err := ExpandInputs([]string{"tree"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"tree/a.yaml", "tree/absin.yaml", "tree/in.yaml", "tree/sub/b.yml"}; !slices.Equal(in.Paths, want) {
		t.Errorf("paths %q, want %q", in.Paths, want)
	}
	var skipped []string
	for _, s := range in.Skipped {
		skipped = append(skipped, s.String())
	}
	want := []string{
		"tree/abs.yaml: skipped: a symbolic link out of tree: not followed",
		"tree/dir.yaml: skipped: a symbolic link to a directory: not followed",
		"tree/gone.yaml: skipped: a symbolic link that leads to no file",
		"tree/out.yaml: skipped: a symbolic link out of tree: not followed",
		"tree/pipe.yaml: skipped: a FIFO, not a regular file",
		"tree/sub/up.yaml: skipped: a symbolic link out of tree: not followed",
	}
	if !slices.Equal(skipped, want) {
		t.Errorf("skipped:\n%s\nwant:\n%s", strings.Join(skipped, "\n"), strings.Join(want, "\n"))
	}

	// An existing name with glob characters is that file; a glob that
	// matches is the files; one that matches nothing is an error.
	for _, tc := range []struct {
		arg  string
		want []string
	}{
		{"r[1].yaml", []string{"r[1].yaml"}},
		{"r[0-9].yaml", []string{"r1.yaml"}},
		{"tree/*.yaml", []string{"tree/a.yaml", "tree/absin.yaml", "tree/in.yaml"}},
	} {
		got, err := Expand([]string{tc.arg})
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q %v, want %q", tc.arg, got, err, tc.want)
		}
	}
	if _, err := Expand([]string{"x[1].yaml"}); err == nil {
		t.Error("a glob that matches nothing was accepted")
	}
}
