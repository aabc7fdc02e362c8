package rules

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// TestParallelValidation: a large file validated on all cores reports the
// same errors, in the same order, as on one.
func TestParallelValidation(t *testing.T) {
	data := ruleFile(2000)
	// Break every 97th expression and template.
	var b bytes.Buffer
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		if i%97 == 0 && bytes.Contains(line, []byte("max by")) {
			line = bytes.Replace(line, []byte("max by"), []byte("max by by"), 1)
		}
		if i%89 == 0 && bytes.Contains(line, []byte("{{ $labels.container }}")) {
			line = bytes.Replace(line, []byte("{{ $labels.container }}"), []byte("{{ $labels.container "), 1)
		}
		b.Write(line)
	}
	parse := func(procs int) string {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		f, errs := Parse("big.yaml", b.Bytes(), Options{})
		parsed := 0
		for _, g := range f.Groups() {
			for _, r := range g.Rules {
				if r.Parsed != nil {
					parsed++
				}
			}
		}
		return fmt.Sprintf("%d parsed\n%v", parsed, errs)
	}
	one, all := parse(1), parse(4)
	if one != all {
		t.Errorf("one core and four disagree:\n%s\n---\n%s", one, all)
	}
	if !bytes.Contains([]byte(one), []byte("could not parse expression")) || !bytes.Contains([]byte(one), []byte(`annotation "description": template`)) {
		t.Errorf("the broken rules are not reported:\n%.500s", one)
	}
}

// TestEachFile: EachFile hands out every file with its index and errors,
// as LoadFiles returns them, and the first input that cannot be read.
func TestEachFile(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, text := range []string{"groups: []\n", "groups:\n- name: g\n  rules:\n  - record: a\n    expr: sum(\n", "groups:\n- name: h\n  rules: []\n"} {
		p := filepath.Join(dir, fmt.Sprintf("%d.yaml", i))
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	files, errs, err := LoadFiles(paths, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[int]string{}
	if err := EachFile(paths, nil, Options{}, func(i int, f *File, errs ErrorList) {
		mu.Lock()
		defer mu.Unlock()
		got[i] = fmt.Sprintf("%s %d %v", f.Path, f.Rules(), errs)
	}); err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		var fileErrs ErrorList
		for _, e := range errs {
			if e.File == f.Path {
				fileErrs = append(fileErrs, e)
			}
		}
		if want := fmt.Sprintf("%s %d %v", f.Path, f.Rules(), fileErrs); got[i] != want {
			t.Errorf("file %d: %q, want %q", i, got[i], want)
		}
	}
	missing := filepath.Join(dir, "missing.yaml")
	err = EachFile([]string{paths[0], missing, filepath.Join(dir, "gone.yaml")}, nil, Options{}, func(int, *File, ErrorList) {})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Arg != missing {
		t.Errorf("error %v, want the InputError of %s", err, missing)
	}
}
