//go:build !linux

package atomicfile

import "errors"

// exchange swaps the directories at a and b in one step, which only Linux
// offers (renameat2 with RENAME_EXCHANGE); elsewhere sets are written file
// by file.
func exchange(a, b string) error {
	return errors.New("no atomic exchange of directories on this system")
}
