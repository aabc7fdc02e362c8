// Package unidiff writes the difference between two texts as a unified
// diff, the format of `diff -u`, that `git apply` and `patch -p1` apply.
//
// The edit script is a shortest one (Myers' O(ND) algorithm, on the lines
// between the common first and last lines), shown in hunks with three lines
// of context and their line counts.
package unidiff

import (
	"fmt"
	"strings"
)

// context is the number of unchanged lines shown around each change.
const context = 3

// maxTrace bounds the memory of the search for a shortest edit script, in
// ints (8 bytes each): the search keeps about D² of them for D edits. Past
// it, the lines between the common first and last lines are shown as removed
// and added whole: a correct diff, not a shortest one. 4M ints is 32 MB,
// D about 2,000 lines changed. A variable for the tests.
var maxTrace = 4 << 20

// Diff returns the unified diff that turns old into new, with the file
// named name on both sides (as a/name and b/name, for git apply and
// patch -p1). A nil old with oldMissing set is a file that does not exist
// yet: the diff creates it. Diff returns nil when the texts are equal.
func Diff(name string, old []byte, oldMissing bool, new []byte) []byte {
	if !oldMissing && string(old) == string(new) {
		return nil
	}
	a, b := lines(string(old)), lines(string(new))
	var out strings.Builder
	if oldMissing {
		fmt.Fprintf(&out, "--- /dev/null\n")
	} else {
		fmt.Fprintf(&out, "--- a/%s\n", name)
	}
	fmt.Fprintf(&out, "+++ b/%s\n", name)
	writeHunks(&out, a, b, script(a, b))
	return []byte(out.String())
}

// lines splits a text into lines that keep their newline; a last line
// without one is marked as diff marks it.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	l := strings.SplitAfter(s, "\n")
	if l[len(l)-1] == "" {
		return l[:len(l)-1]
	}
	l[len(l)-1] += "\n\\ No newline at end of file\n"
	return l
}

type opKind byte

const (
	equal opKind = ' '
	del   opKind = '-'
	ins   opKind = '+'
)

// An op is one line of the edit script: a line of a (equal, del) or of b
// (ins), by index.
type op struct {
	kind opKind
	a, b int // the line's index in a and in b (for ins, a is where it goes; for del, b likewise)
}

// script returns an edit script from a to b.
func script(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	for i := 0; i < pre; i++ {
		ops = append(ops, op{equal, i, i})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	mid, ok := myers(ma, mb)
	if !ok {
		mid = nil
		for i := range ma {
			mid = append(mid, op{del, i, 0})
		}
		for j := range mb {
			mid = append(mid, op{ins, len(ma), j})
		}
	}
	for _, o := range mid {
		ops = append(ops, op{o.kind, o.a + pre, o.b + pre})
	}
	for i := 0; i < suf; i++ {
		ops = append(ops, op{equal, len(a) - suf + i, len(b) - suf + i})
	}
	return ops
}

// myers finds a shortest edit script from a to b, or reports false when
// the search would pass maxTrace.
func myers(a, b []string) ([]op, bool) {
	n, m := len(a), len(b)
	maxD := n + m
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	// trace[d] is v[-d..d] as step d found it, for the walk back.
	var trace [][]int
	used := 0
	for d := 0; d <= maxD; d++ {
		used += 2*d + 1
		if used > maxTrace {
			return nil, false
		}
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1] // down: an insertion
			} else {
				x = v[off+k-1] + 1 // right: a deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				trace = append(trace, append([]int(nil), v[off-d:off+d+1]...))
				return walkBack(trace, n, m), true
			}
		}
		trace = append(trace, append([]int(nil), v[off-d:off+d+1]...))
	}
	panic("unreachable: an edit script of n+m steps always exists")
}

// walkBack turns the search's trace into the edit script, from the end.
func walkBack(trace [][]int, n, m int) []op {
	at := func(d, k int) int { return trace[d][k+d] }
	var rev []op
	x, y := n, m
	for d := len(trace) - 1; d > 0; d-- {
		k := x - y
		var prevK int
		if k == -d || k != d && at(d-1, k-1) < at(d-1, k+1) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := at(d-1, prevK)
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			rev = append(rev, op{equal, x, y})
		}
		if x == prevX {
			rev = append(rev, op{ins, x, prevY})
		} else {
			rev = append(rev, op{del, prevX, y})
		}
		x, y = prevX, prevY
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, op{equal, x, y})
	}
	ops := make([]op, len(rev))
	for i, o := range rev {
		ops[len(rev)-1-i] = o
	}
	return ops
}

// writeHunks writes the edit script as hunks: each change with up to
// context unchanged lines around it, changes closer than twice that in
// one hunk.
func writeHunks(out *strings.Builder, a, b []string, ops []op) {
	for i := 0; i < len(ops); {
		if ops[i].kind == equal {
			i++
			continue
		}
		start := max(i-context, 0)
		// Extend the hunk while the next change is near enough.
		end := i
		for end < len(ops) {
			if ops[end].kind != equal {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == equal {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = run
		}
		writeHunk(out, a, b, ops[start:end])
		i = end
	}
}

func writeHunk(out *strings.Builder, a, b []string, ops []op) {
	var na, nb int
	for _, o := range ops {
		if o.kind != ins {
			na++
		}
		if o.kind != del {
			nb++
		}
	}
	// A hunk's start is its first line, 1-based, or the line before it
	// when it has no line on that side (0 at the top of the file).
	sa, sb := ops[0].a, ops[0].b
	if na > 0 {
		sa++
	}
	if nb > 0 {
		sb++
	}
	fmt.Fprintf(out, "@@ -%d,%d +%d,%d @@\n", sa, na, sb, nb)
	for _, o := range ops {
		var line string
		if o.kind == ins {
			line = b[o.b]
		} else {
			line = a[o.a]
		}
		out.WriteByte(byte(o.kind))
		out.WriteString(line)
	}
}
