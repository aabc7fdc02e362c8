// Package termtest helps tests of what oomguard writes to a terminal.
package termtest

import "strings"

// Render is what a terminal shows of out: a carriage return goes back to
// the start of the line, characters overwrite what is there, and trailing
// spaces show as nothing. A last line without a newline is marked so.
func Render(out string) string {
	var lines []string
	var line []rune
	col := 0
	for _, r := range out {
		switch r {
		case '\r':
			col = 0
		case '\n':
			lines = append(lines, strings.TrimRight(string(line), " "))
			line, col = nil, 0
		default:
			if col < len(line) {
				line[col] = r
			} else {
				line = append(line, r)
			}
			col++
		}
	}
	if rest := strings.TrimRight(string(line), " "); rest != "" {
		lines = append(lines, rest+"\\no newline")
	}
	return strings.Join(lines, "\n")
}
