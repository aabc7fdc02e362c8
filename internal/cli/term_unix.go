//go:build linux || darwin

package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTTY reports whether f is a terminal: one that has terminal settings,
// unlike /dev/null, which is a character device too.
func isTTY(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), ioctlGetTermios)
	return err == nil
}

// termWidth is the number of columns of the terminal f, or 0.
func termWidth(f *os.File) int {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
