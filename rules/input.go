package rules

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Stdin is the name standard input goes by in messages.
const Stdin = "<stdin>"

// InputError is an input that cannot be read: a missing path, a glob that
// matches nothing, a directory that cannot be listed. Commands treat it as
// "could not run" rather than as a finding.
type InputError struct {
	Arg string
	Err error
}

func (e *InputError) Error() string { return fmt.Sprintf("%s: %v", e.Arg, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// Expand turns command-line arguments into the files to read: a file is
// itself, a directory is every .yaml and .yml file below it (sorted, hidden
// entries skipped), a glob is the files it matches, and "-" is standard
// input. The result keeps the order of the arguments and names no file
// twice.
func Expand(args []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, arg := range args {
		if arg == "-" {
			add("-")
			continue
		}
		matches := []string{arg}
		if strings.ContainsAny(arg, "*?[") {
			m, err := filepath.Glob(arg)
			if err != nil {
				return nil, &InputError{Arg: arg, Err: err}
			}
			if len(m) == 0 {
				return nil, &InputError{Arg: arg, Err: fmt.Errorf("no file matches this pattern")}
			}
			matches = m
		}
		for _, p := range matches {
			st, err := os.Stat(p)
			if err != nil {
				return nil, &InputError{Arg: p, Err: unwrapPathError(err)}
			}
			if !st.IsDir() {
				add(p)
				continue
			}
			files, err := walkDir(p)
			if err != nil {
				return nil, err
			}
			if len(files) == 0 {
				return nil, &InputError{Arg: p, Err: fmt.Errorf("directory has no .yaml or .yml file")}
			}
			for _, f := range files {
				add(f)
			}
		}
	}
	return out, nil
}

func walkDir(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return &InputError{Arg: p, Err: unwrapPathError(err)}
		}
		if p != root && strings.HasPrefix(e.Name(), ".") {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// ReadFile reads one input named by Expand ("-" is stdin). An input larger
// than opts allows is refused without being read whole, with an *Error at
// 1:1; an input that cannot be read gives an *InputError.
func ReadFile(path string, stdin io.Reader, opts Options) (name string, data []byte, err error) {
	max := opts.maxFileSize()
	var r io.Reader
	name = path
	if path == "-" {
		name = Stdin
		if stdin == nil {
			return name, nil, &InputError{Arg: name, Err: fmt.Errorf("no standard input")}
		}
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return name, nil, &InputError{Arg: path, Err: unwrapPathError(err)}
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > max {
			return name, nil, tooLarge(name, st.Size(), max)
		}
		r = f
	}
	data, err = io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return name, nil, &InputError{Arg: name, Err: unwrapPathError(err)}
	}
	if int64(len(data)) > max {
		return name, nil, tooLarge(name, int64(len(data)), max)
	}
	return name, data, nil
}

func tooLarge(name string, size, max int64) *Error {
	what := fmt.Sprintf("%d bytes", size)
	if name == Stdin {
		what = "more than that"
	}
	return &Error{File: name, Pos: Pos{Line: 1, Col: 1},
		Msg: fmt.Sprintf("file is %s, more than the limit of %d bytes", what, max)}
}

// LoadFiles expands args, reads and parses every file, on all cores. It
// returns an *InputError when an input cannot be read; problems inside files
// come back in the ErrorList, file by file in the order of args, each file's
// sorted by position.
func LoadFiles(args []string, stdin io.Reader, opts Options) ([]*File, ErrorList, error) {
	paths, err := Expand(args)
	if err != nil {
		return nil, nil, err
	}
	files := make([]*File, len(paths))
	errs := make([]ErrorList, len(paths))
	if err := EachFile(paths, stdin, opts, func(i int, f *File, fileErrs ErrorList) {
		files[i], errs[i] = f, fileErrs
	}); err != nil {
		return nil, nil, err
	}
	var all ErrorList
	for _, e := range errs {
		all = append(all, e...)
	}
	return files, all, nil
}

// EachFile reads and parses the files paths names (as Expand returns them),
// on all cores, and calls fn with each file and its errors (sorted by
// position) as soon as it is loaded, with the index of its path: from
// several goroutines at once, in no particular order. No more files are
// loaded at a time than there are cores, so that a caller that lets each
// file go once fn returns holds only those. It returns the *InputError of
// the first path that cannot be read, after the others were loaded; fn is
// not called for such a path.
func EachFile(paths []string, stdin io.Reader, opts Options, fn func(i int, f *File, errs ErrorList)) error {
	inputErrs := make([]error, len(paths))
	load := func(i int) {
		name, data, err := ReadFile(paths[i], stdin, opts)
		var large *Error
		switch {
		case errors.As(err, &large):
			fn(i, &File{Path: name, src: newSource(nil)}, ErrorList{large})
		case err != nil:
			inputErrs[i] = err
		default:
			f, errs := Parse(name, data, opts)
			fn(i, f, errs)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				load(i)
			}
		})
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range inputErrs {
		if err != nil {
			return err
		}
	}
	return nil
}
