package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File is one file of a set: a name inside the set's directory, and its
// content.
type File struct {
	Name string
	Data []byte
}

// WriteSet makes the files of dir that files names hold their data, all at
// once: readers of dir see all the old files or all the new ones. The new
// set is written into a temporary directory beside dir, with everything
// else dir holds carried over (as hard links, so nothing is copied), and
// the two directories then trade places in one rename; the old one is
// removed. A missing dir is created.
//
// Where that cannot be done (dir is a mount point or the working
// directory, holds a subdirectory or a special file, or a file of the set
// is a symbolic link or has several hard links), the files are written one by one as Write does,
// after every new file is complete. Nothing is written when a file of the
// set exists and is read-only, or when two names are the same.
func WriteSet(dir string, files []File) error {
	seen := map[string]bool{}
	for _, f := range files {
		if f.Name == "" || f.Name != filepath.Base(f.Name) || f.Name == "." || f.Name == ".." {
			return fmt.Errorf("%s: not a file name inside %s", f.Name, dir)
		}
		if seen[f.Name] {
			return fmt.Errorf("%s: written twice in one set", filepath.Join(dir, f.Name))
		}
		seen[f.Name] = true
	}
	real, err := followLinks(dir)
	if err != nil {
		return err
	}
	st, err := os.Stat(real)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return createSet(real, files)
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%s: not a directory", dir)
	}
	oneByOne := false
	for _, f := range files {
		p := filepath.Join(real, f.Name)
		fst, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fst.Mode()&fs.ModeSymlink != 0 {
			oneByOne = true
			if fst, err = os.Stat(p); err != nil {
				continue // a dangling link: Write creates its target
			}
		}
		if err := writable(p, fst); err != nil {
			return err
		}
		if links(fst) > 1 {
			oneByOne = true
		}
	}
	if wd, err := os.Getwd(); err == nil && inside(wd, real) {
		// Swapping it would leave the process in the old directory.
		oneByOne = true
	}
	if !oneByOne {
		err := swapSet(real, st, files, seen)
		if !errors.Is(err, errCannotSwap) {
			return err
		}
	}
	return writeEach(real, files)
}

// errCannotSwap says a set cannot be written by swapping directories; the
// files are then written one by one.
var errCannotSwap = errors.New("cannot swap directories")

// createSet writes the set into a new directory, which appears whole.
func createSet(dir string, files []File) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o777); err != nil {
		return err
	}
	tmp, err := makeTempDir(dir, 0o777)
	if err != nil {
		return err
	}
	defer func() {
		os.RemoveAll(tmp)
		untrack(tmp)
	}()
	if err := writeNew(tmp, files); err != nil {
		return err
	}
	temps.swap.Lock()
	err = os.Rename(tmp, dir)
	temps.swap.Unlock()
	if err != nil {
		return err
	}
	syncDir(parent)
	return nil
}

// swapSet writes the set and what dir holds besides into a temporary
// directory, then swaps it with dir.
func swapSet(dir string, st fs.FileInfo, files []File, inSet map[string]bool) error {
	tmp, err := makeTempDir(dir, 0o700)
	if err != nil {
		return err
	}
	defer func() {
		os.RemoveAll(tmp)
		untrack(tmp)
	}()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if inSet[e.Name()] {
			continue
		}
		if err := carry(filepath.Join(dir, e.Name()), filepath.Join(tmp, e.Name())); err != nil {
			return errCannotSwap
		}
	}
	for _, f := range files {
		old, err := os.Stat(filepath.Join(dir, f.Name))
		if err != nil {
			old = nil
		}
		if err := writeFile(filepath.Join(tmp, f.Name), f.Data, old); err != nil {
			return err
		}
	}
	if err := copyDirAttrs(tmp, st); err != nil {
		return err
	}
	if beforeRename != nil {
		beforeRename()
	}
	temps.swap.Lock()
	defer temps.swap.Unlock()
	if err := exchange(tmp, dir); err != nil {
		return errCannotSwap
	}
	// tmp now holds the old set, removed on return.
	syncDir(filepath.Dir(dir))
	return nil
}

// writeEach writes the files one by one, as Write does, once all the new
// contents are in temporary files: the time the set is half old, half new
// is that of the renames alone.
func writeEach(dir string, files []File) error {
	type pending struct {
		tmp, target string
	}
	var done []pending
	cleanup := func() {
		for _, p := range done {
			os.Remove(p.tmp)
			untrack(p.tmp)
		}
	}
	var inPlace []File
	for _, f := range files {
		target, err := followLinks(filepath.Join(dir, f.Name))
		if err != nil {
			cleanup()
			return err
		}
		old, err := os.Stat(target)
		if err != nil {
			old = nil
		}
		if old != nil && links(old) > 1 {
			inPlace = append(inPlace, File{Name: target, Data: f.Data})
			continue
		}
		tmp, err := createTemp(target, old == nil)
		if err == nil {
			err = fill(tmp, f.Data, old)
		}
		if err != nil {
			if tmp != nil {
				tmp.Close()
				done = append(done, pending{tmp.Name(), target})
			}
			cleanup()
			return err
		}
		done = append(done, pending{tmp.Name(), target})
	}
	temps.swap.Lock()
	defer temps.swap.Unlock()
	for i, p := range done {
		if err := os.Rename(p.tmp, p.target); err != nil {
			done = done[i:]
			cleanup()
			return err
		}
		untrack(p.tmp)
	}
	for _, f := range inPlace {
		if err := rewriteInPlace(f.Name, f.Data); err != nil {
			return err
		}
	}
	syncDir(dir)
	return nil
}

// makeTempDir makes a temporary directory beside dir, tracked for removal
// on a signal.
func makeTempDir(dir string, perm os.FileMode) (string, error) {
	parent, base := filepath.Split(dir)
	for try := 0; ; try++ {
		name := filepath.Join(parent, "."+base+".tmp"+randomSuffix())
		track(name)
		err := os.Mkdir(name, perm)
		if err == nil {
			return name, nil
		}
		untrack(name)
		if !errors.Is(err, fs.ErrExist) || try == 100 {
			return "", err
		}
	}
}

// writeNew writes new files into dir.
func writeNew(dir string, files []File) error {
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.Name), f.Data, nil); err != nil {
			return err
		}
	}
	return nil
}

// writeFile creates path with data, with old's mode and owner, or the
// umask's mode when old is nil.
func writeFile(path string, data []byte, old fs.FileInfo) error {
	perm := os.FileMode(0o666)
	if old != nil {
		perm = 0o600
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if err := fill(f, data, old); err != nil {
		f.Close()
		return err
	}
	return nil
}

// carry puts what src is at dst without copying data: a hard link for a
// file, the same link for a symbolic link. Anything else (a directory, a
// FIFO) is not carried, and the set is then written file by file: a
// directory tree (a repository's .git) is too much to carry for a few
// files.
func carry(src, dst string) error {
	st, err := os.Lstat(src)
	if err != nil {
		return err
	}
	switch {
	case st.Mode().IsRegular():
		return os.Link(src, dst)
	case st.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	}
	return fmt.Errorf("%s: %s is not carried over", src, fileKind(st.Mode()))
}

// fileKind names the type of a file of mode m, for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// copyDirAttrs gives directory dir the mode and, where it may, the owner
// of st.
func copyDirAttrs(dir string, st fs.FileInfo) error {
	if err := os.Chmod(dir, st.Mode().Perm()|st.Mode()&(fs.ModeSetgid|fs.ModeSticky)); err != nil {
		return err
	}
	if f, err := os.Open(dir); err == nil {
		keepOwner(f, st)
		f.Close()
	}
	return nil
}

// inside reports whether path is dir or below it, symbolic links resolved.
func inside(path, dir string) bool {
	var err error
	if path, err = filepath.EvalSymlinks(path); err != nil {
		return false
	}
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return false
	}
	if path, err = filepath.Abs(path); err != nil {
		return false
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return false
	}
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !filepath.IsAbs(rel) && !startsWithDotDot(rel)
}

func startsWithDotDot(rel string) bool {
	return len(rel) >= 3 && rel[:3] == ".."+string(filepath.Separator)
}
