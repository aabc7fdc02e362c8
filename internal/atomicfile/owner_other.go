//go:build !unix

package atomicfile

import (
	"io/fs"
	"os"
)

// mayWrite: without access(2), the mode's write bits (read by writable)
// are all there is to go by; the write itself reports the rest.
func mayWrite(path string) bool { return true }

// links: the count of hard links is not in fs.FileInfo here; a file is
// taken to have one name, so it is replaced by a rename.
func links(st fs.FileInfo) uint64 { return 1 }

// keepOwner: files have no Unix owner and group to keep here.
func keepOwner(f *os.File, old fs.FileInfo) {}
