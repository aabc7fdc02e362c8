package rules

import (
	"bufio"
	"bytes"
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
	"syscall"
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

// Expand turns command-line arguments into the files to read, as
// ExpandInputs does, without the notes on what it skipped.
func Expand(args []string) ([]string, error) {
	in, err := ExpandInputs(args)
	if err != nil {
		return nil, err
	}
	return in.Paths, nil
}

// Inputs are the files a command reads, and those it passed over.
type Inputs struct {
	// Paths are the files to read, in the order of the arguments, each
	// once; "-" is standard input.
	Paths []string
	// Skipped are the files directories and globs found but that are not
	// read, with the reason: what is not a regular file, and symbolic
	// links that lead out of the directory.
	Skipped []Skipped
}

// Skipped is a file a directory or a glob found but that is not read.
type Skipped struct {
	Path   string
	Reason string
}

func (s Skipped) String() string { return s.Path + ": skipped: " + s.Reason }

// ExpandInputs turns command-line arguments into the files to read: a file
// is itself (even when its name holds glob characters), a directory is
// every .yaml and .yml file below it (sorted, hidden entries skipped), a
// glob is the files it matches, and "-" is standard input.
//
// What a directory or a glob finds stays inside it: a symbolic link is
// followed only to a regular file inside the directory (for a glob, the
// directory its fixed part names), never to a directory; links that lead
// elsewhere, FIFOs, sockets and devices are skipped and listed in Skipped.
// A file named on the command line is read as it is, and refused when it
// is not a regular file (ReadRegular).
func ExpandInputs(args []string) (*Inputs, error) {
	in := &Inputs{}
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			in.Paths = append(in.Paths, p)
		}
	}
	for _, arg := range args {
		if arg == "-" {
			add("-")
			continue
		}
		if _, err := os.Lstat(arg); err == nil || !strings.ContainsAny(arg, "*?[\\") {
			// An existing name is that file, whatever characters it
			// holds.
			st, err := os.Stat(arg)
			if err != nil {
				return nil, &InputError{Arg: arg, Err: unwrapPathError(err)}
			}
			if !st.IsDir() {
				add(arg)
				continue
			}
			files, err := walkDir(arg, in)
			if err != nil {
				return nil, err
			}
			if len(files) == 0 {
				return nil, &InputError{Arg: arg, Err: fmt.Errorf("directory has no .yaml or .yml file")}
			}
			for _, f := range files {
				add(f)
			}
			continue
		}
		m, err := filepath.Glob(arg)
		if err != nil {
			return nil, &InputError{Arg: arg, Err: err}
		}
		base := globBase(arg)
		found := 0
		for _, p := range m {
			e, err := os.Lstat(p)
			if err != nil {
				return nil, &InputError{Arg: p, Err: unwrapPathError(err)}
			}
			if e.IsDir() {
				files, err := walkDir(p, in)
				if err != nil {
					return nil, err
				}
				for _, f := range files {
					add(f)
					found++
				}
				continue
			}
			if keep(p, e.Mode(), base, in) {
				add(p)
				found++
			}
		}
		if found == 0 {
			if len(m) > 0 {
				return nil, &InputError{Arg: arg, Err: fmt.Errorf("no file to read matches this pattern (all skipped)")}
			}
			return nil, &InputError{Arg: arg, Err: fmt.Errorf("no file matches this pattern")}
		}
	}
	return in, nil
}

// globBase is the directory the fixed part of a glob names: where its
// first element with a glob character starts.
func globBase(pattern string) string {
	dir := pattern
	for strings.ContainsAny(dir, "*?[\\") {
		dir = filepath.Dir(dir)
	}
	return dir
}

// keep reports whether the entry at p, of mode m, found in a walk or a
// glob of root, is to be read; when not, and when it is worth a word, it
// says why in in.Skipped.
func keep(p string, m fs.FileMode, root string, in *Inputs) bool {
	switch {
	case m.IsRegular():
		return true
	case m&fs.ModeSymlink != 0:
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			in.Skipped = append(in.Skipped, Skipped{p, "a symbolic link that leads to no file"})
			return false
		}
		if !inside(target, root) {
			in.Skipped = append(in.Skipped, Skipped{p, fmt.Sprintf("a symbolic link out of %s: not followed", root)})
			return false
		}
		st, err := os.Stat(target)
		if err != nil {
			in.Skipped = append(in.Skipped, Skipped{p, "a symbolic link that leads to no file"})
			return false
		}
		if !st.Mode().IsRegular() {
			in.Skipped = append(in.Skipped, Skipped{p, "a symbolic link to " + fileKind(st.Mode()) + ": not followed"})
			return false
		}
		return true
	default:
		in.Skipped = append(in.Skipped, Skipped{p, fileKind(m) + ", not a regular file"})
		return false
	}
}

// inside reports whether path, free of symbolic links, is dir or below
// it, once the links of dir are resolved too.
func inside(path, dir string) bool {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	path, err1 := filepath.Abs(path)
	dir, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	return path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, string(filepath.Separator))+string(filepath.Separator))
}

func walkDir(root string, in *Inputs) ([]string, error) {
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
		if e.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return nil
		}
		if keep(p, e.Type(), root, in) {
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
// 1:1; an input that cannot be read, or that is not a regular file (a FIFO,
// a device, a socket, a directory), gives an *InputError.
func ReadFile(path string, stdin io.Reader, opts Options) (name string, data []byte, err error) {
	max := opts.maxFileSize()
	if path == "-" {
		if stdin == nil {
			return Stdin, nil, &InputError{Arg: Stdin, Err: fmt.Errorf("no standard input")}
		}
		data, err = io.ReadAll(io.LimitReader(stdin, max+1))
		if err != nil {
			return Stdin, nil, &InputError{Arg: Stdin, Err: unwrapPathError(err)}
		}
		if int64(len(data)) > max {
			return Stdin, nil, tooLarge(Stdin, int64(len(data)), max)
		}
		return Stdin, data, nil
	}
	data, err = ReadRegular(path, max)
	var big *TooLargeError
	if errors.As(err, &big) {
		return path, nil, tooLarge(path, big.Size, max)
	}
	return path, data, err
}

// TooLargeError is a file larger than the limit it was read with.
type TooLargeError struct {
	Path string
	// Size is the size of the file, or -1 when it is not known (it grew
	// while it was read).
	Size int64
	Max  int64
}

func (e *TooLargeError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("%s: file is larger than the limit of %d bytes (--max-file-size raises it)", e.Path, e.Max)
	}
	return fmt.Sprintf("%s: file is %d bytes, more than the limit of %d bytes (--max-file-size raises it)", e.Path, e.Size, e.Max)
}

// ReadRegular reads the file at path, which must be a regular file (or a
// symbolic link to one) of at most max bytes (max <= 0: DefaultMaxFileSize).
// Every file oomguard reads goes through it (or ReadLines): rule files,
// configs, baselines, test files, jsonnet imports, the files --check
// compares.
//
// A FIFO, a device, a socket or a directory is refused at once with an
// *InputError, before it is opened for reading (opening a FIFO would wait
// for a writer; reading /dev/zero would never end); a file larger than
// max gives a *TooLargeError without being read whole. Any other failure
// is an *InputError naming path.
func ReadRegular(path string, max int64) ([]byte, error) {
	f, size, max, err := openRegular(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The size can change while the file is read, and files of /proc say
	// 0: the limit is kept while reading too.
	// Sized as the file says, as os.ReadFile does, rather than grown
	// by doubling: the copies were a tenth of a large file's allocations.
	var buf bytes.Buffer
	buf.Grow(int(size) + 512)
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, &InputError{Arg: path, Err: unwrapPathError(err)}
	}
	data := buf.Bytes()
	if int64(len(data)) > max {
		return nil, &TooLargeError{Path: path, Size: -1, Max: max}
	}
	return data, nil
}

// ReadLines reads the file at path as ReadRegular does, with the same
// errors, but a line at a time: fn gets each line, without its line
// break, until it returns false. A reader that decides from the first
// lines of a file (what kind of YAML it is) reads no more of it.
func ReadLines(path string, max int64, fn func(line []byte) bool) error {
	f, _, max, err := openRegular(path, max)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(io.LimitReader(f, max+1), 64<<10)
	var long []byte // a line longer than the reader's buffer
	var read int64
	for {
		chunk, err := r.ReadSlice('\n')
		read += int64(len(chunk))
		if read > max {
			return &TooLargeError{Path: path, Size: -1, Max: max}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, chunk...)
			continue
		}
		line := chunk
		if long != nil {
			line = append(long, chunk...)
			long = nil
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		if err != nil && !errors.Is(err, io.EOF) {
			return &InputError{Arg: path, Err: unwrapPathError(err)}
		}
		if len(line) > 0 || err == nil {
			if !fn(line) {
				return nil
			}
		}
		if err != nil {
			return nil
		}
	}
}

// openRegular opens path for ReadRegular and ReadLines, and returns it
// with its size and the limit (max, or DefaultMaxFileSize).
func openRegular(path string, max int64) (*os.File, int64, int64, error) {
	if max <= 0 {
		max = DefaultMaxFileSize
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, max, &InputError{Arg: path, Err: unwrapPathError(err)}
	}
	if err := regular(st); err != nil {
		return nil, 0, max, &InputError{Arg: path, Err: err}
	}
	if st.Size() > max {
		return nil, 0, max, &TooLargeError{Path: path, Size: st.Size(), Max: max}
	}
	// O_NONBLOCK: should path have become a FIFO since Stat, opening it
	// returns at once, and Stat on the open file refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, max, &InputError{Arg: path, Err: unwrapPathError(err)}
	}
	if st, err = f.Stat(); err != nil {
		f.Close()
		return nil, 0, max, &InputError{Arg: path, Err: unwrapPathError(err)}
	}
	if err := regular(st); err != nil {
		f.Close()
		return nil, 0, max, &InputError{Arg: path, Err: err}
	}
	if st.Size() > max {
		f.Close()
		return nil, 0, max, &TooLargeError{Path: path, Size: st.Size(), Max: max}
	}
	return f, st.Size(), max, nil
}

// regular refuses what is not a regular file, saying what it is.
func regular(st fs.FileInfo) error {
	if st.Mode().IsRegular() {
		return nil
	}
	return fmt.Errorf("%s, not a regular file (only - reads a stream: standard input)", fileKind(st.Mode()))
}

// fileKind names the type of a file of mode m, for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

func tooLarge(name string, size, max int64) *Error {
	what := fmt.Sprintf("%d bytes", size)
	if name == Stdin || size < 0 {
		what = "more than that"
	}
	return &Error{File: name, Pos: Pos{Line: 1, Col: 1},
		Msg: fmt.Sprintf("file is %s, more than the limit of %d bytes (--max-file-size raises it)", what, max)}
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
