//go:build !linux && !darwin

package cli

import "os"

// isTTY reports whether f is a character device, which a console is.
func isTTY(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// termWidth is not known here: 0.
func termWidth(*os.File) int { return 0 }
