// Package atomicfile writes files so that readers see the old content or
// the new, never a part, and so that nothing of the user's is lost on the
// way: the data goes to a temporary file in the same directory, which is
// synced and renamed over the target. A set of files (WriteSet) goes to a
// temporary directory beside the target directory, which then takes its
// place in one step.
//
// Writing keeps what the user set up: a symbolic link is written through
// to its target (the link stays a link), an existing file keeps its mode
// and, where the process may set it, its owner and group; a new file gets
// the mode the umask allows (0666 less the umask). A file without write
// permission is refused, not replaced. A file with several hard links is
// rewritten in place, so that every name still shows the new content.
//
// Temporary files and directories are removed when a write fails, and
// also when the process gets SIGINT or SIGTERM while writing.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
)

// ReadOnlyError is a target that exists but may not be written.
type ReadOnlyError struct {
	Path string
	Mode fs.FileMode
}

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("%s is read-only (mode %04o): not written; make it writable to replace it", e.Path, e.Mode.Perm())
}

// Write replaces the file at path with data. When it fails, the file is as
// it was and no temporary file is left behind.
func Write(path string, data []byte) error {
	target, err := followLinks(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return replace(target, data, nil)
	case err != nil:
		return err
	}
	if err := writable(target, st); err != nil {
		return err
	}
	if links(st) > 1 {
		return rewriteInPlace(target, data)
	}
	return replace(target, data, st)
}

// CheckWritable returns the error Write would give for path before
// writing anything: a target (through its links) that exists and is not a
// regular file, or is read-only. A missing target is fine.
func CheckWritable(path string) error {
	target, err := followLinks(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(target)
	if err != nil {
		return nil
	}
	return writable(target, st)
}

// followLinks returns the file a chain of symbolic links at path leads to
// (path itself when it is no link). The last target need not exist: writing
// creates it, as writing through the link would.
func followLinks(path string) (string, error) {
	for hops := 0; ; hops++ {
		st, err := os.Lstat(path)
		if err != nil || st.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		if hops == 40 {
			return "", fmt.Errorf("%s: too many levels of symbolic links", path)
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
}

// writable refuses a target that is not a regular file or that may not be
// written. Root may write any file, so the mode's write bits are read too:
// a file nobody may write is one its owner meant to keep.
func writable(path string, st fs.FileInfo) error {
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", path)
	}
	if st.Mode().Perm()&0o222 == 0 || !mayWrite(path) {
		return &ReadOnlyError{Path: path, Mode: st.Mode()}
	}
	return nil
}

// replace writes data to a temporary file beside target and renames it
// over target. old is the file being replaced, whose mode and owner the
// new one takes, or nil for a new file.
func replace(target string, data []byte, old fs.FileInfo) (err error) {
	tmp, err := createTemp(target, old == nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
		untrack(tmp.Name())
	}()
	if err = fill(tmp, data, old); err != nil {
		return err
	}
	if beforeRename != nil {
		beforeRename()
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	syncDir(filepath.Dir(target))
	return nil
}

// createTemp creates a temporary file beside target, tracked for removal
// on a signal. A new file is created with mode 0666 so that the umask
// decides, as for any file a program creates; a replacement starts
// private and takes the old file's mode in fill.
func createTemp(target string, isNew bool) (*os.File, error) {
	perm := os.FileMode(0o600)
	if isNew {
		perm = 0o666
	}
	dir, base := filepath.Split(target)
	for try := 0; ; try++ {
		name := filepath.Join(dir, "."+base+".tmp"+randomSuffix())
		track(name)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if err == nil {
			return f, nil
		}
		untrack(name)
		if !errors.Is(err, fs.ErrExist) || try == 100 {
			return nil, err
		}
	}
}

var counter atomic.Uint64

// beforeRename, when set, runs when the new content is complete and about
// to take its place: tests interrupt writes there.
var beforeRename func()

func randomSuffix() string {
	return strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(counter.Add(1), 36)
}

// fill writes data to f, gives it the mode and owner of old (when there is
// one), syncs and closes it.
func fill(f *os.File, data []byte, old fs.FileInfo) error {
	if _, err := f.Write(data); err != nil {
		return err
	}
	if old != nil {
		if err := f.Chmod(old.Mode().Perm() | old.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
			return err
		}
		keepOwner(f, old)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// rewriteInPlace writes data into the file itself, for a file with
// several hard links: a rename would leave the other names with the old
// content. The old content is put back when writing fails.
func rewriteInPlace(path string, data []byte) (err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	old, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	put := func(b []byte) error {
		if _, err := f.WriteAt(b, 0); err != nil {
			return err
		}
		if err := f.Truncate(int64(len(b))); err != nil {
			return err
		}
		return f.Sync()
	}
	if err := put(data); err != nil {
		if rerr := put(old); rerr != nil {
			return fmt.Errorf("%s: %w; putting the old content back failed too: %v", path, err, rerr)
		}
		return err
	}
	return nil
}

// syncDir makes a rename in dir durable; it is best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// PauseBeforeRename makes every later write call f when its new content is
// complete and about to take its place. It is for the tests of the
// commands, which interrupt a write there; a program never calls it.
func PauseBeforeRename(f func()) { beforeRename = f }
