//go:build unix

package atomicfile

import (
	"io/fs"
	"os"
	"syscall"
)

// mayWrite says whether the process may write the file at path, as the
// kernel judges it (access(2) with W_OK: owner, group, ACLs, a read-only
// mount).
func mayWrite(path string) bool {
	return syscall.Access(path, 2 /* W_OK */) == nil
}

// links is the number of hard links of the file st describes.
func links(st fs.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(s.Nlink)
	}
	return 1
}

// keepOwner gives f the owner and group of old, as far as the process may:
// root may give any owner, others may at most keep a group they are in.
func keepOwner(f *os.File, old fs.FileInfo) {
	s, ok := old.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	if f.Chown(int(s.Uid), int(s.Gid)) != nil {
		_ = f.Chown(-1, int(s.Gid))
	}
}
