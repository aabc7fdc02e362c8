package unidiff

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		name, old, new string
		missing        bool
		want           string
	}{
		{name: "equal", old: "a\nb\n", new: "a\nb\n", want: ""},
		{
			name: "one line changed, context around",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			new:  "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			want: "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
		},
		{
			name: "two changes far apart, two hunks",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
			new:  "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n",
			want: "--- a/f\n+++ b/f\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+twelve\n",
		},
		{
			name: "two changes near, one hunk",
			old:  "1\n2\n3\n4\n5\n6\n7\n",
			new:  "one\n2\n3\n4\n5\n6\nseven\n",
			want: "--- a/f\n+++ b/f\n@@ -1,7 +1,7 @@\n-1\n+one\n 2\n 3\n 4\n 5\n 6\n-7\n+seven\n",
		},
		{
			name: "insertion at the top",
			old:  "a\nb\n",
			new:  "new\na\nb\n",
			want: "--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n+new\n a\n b\n",
		},
		{
			name: "deletion of everything",
			old:  "a\nb\n",
			new:  "",
			want: "--- a/f\n+++ b/f\n@@ -1,2 +0,0 @@\n-a\n-b\n",
		},
		{
			name:    "a file to create",
			missing: true,
			new:     "a\nb\n",
			want:    "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+a\n+b\n",
		},
		{
			name: "no newline at the end on disk",
			old:  "a\nb",
			new:  "a\nb\n",
			want: "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var old []byte
			if !tc.missing {
				old = []byte(tc.old)
			}
			got := string(Diff("f", old, tc.missing, []byte(tc.new)))
			if got != tc.want {
				t.Errorf("Diff:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestShortest checks on random texts that the diff applies (by a strict
// reader of the format here) and that it removes and adds no more lines
// than a shortest edit script, which the classic LCS table gives.
func TestShortest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		a, b := randomText(r), randomText(r)
		d := Diff("f", []byte(a), false, []byte(b))
		got, edits, err := apply(a, string(d))
		if err != nil {
			t.Fatalf("case %d: %v\nold %q\nnew %q\ndiff:\n%s", i, err, a, b, d)
		}
		if got != b {
			t.Fatalf("case %d: applied gives %q, want %q\ndiff:\n%s", i, got, b, d)
		}
		la, lb := lines(a), lines(b)
		if want := len(la) + len(lb) - 2*lcs(la, lb); edits != want {
			t.Fatalf("case %d: %d lines removed and added, a shortest script has %d\nold %q\nnew %q\ndiff:\n%s", i, edits, want, a, b, d)
		}
	}
}

// TestPastBudget checks the diff past the search's budget: still one
// that applies, the differing middle removed and added whole.
func TestPastBudget(t *testing.T) {
	defer func(m int) { maxTrace = m }(maxTrace)
	maxTrace = 10
	a := "1\n2\nx\ny\nz\n3\n4\n"
	b := "1\n2\nX\ny\nZ\n3\n4\n"
	d := string(Diff("f", []byte(a), false, []byte(b)))
	want := "--- a/f\n+++ b/f\n@@ -1,7 +1,7 @@\n 1\n 2\n-x\n-y\n-z\n+X\n+y\n+Z\n 3\n 4\n"
	if d != want {
		t.Errorf("Diff past the budget:\n%s\nwant:\n%s", d, want)
	}
	if got, _, err := apply(a, d); err != nil || got != b {
		t.Errorf("applied: %q, %v; want %q", got, err, b)
	}
}

// TestTools applies diffs with the real git apply and, when it is
// installed, patch -p1.
func TestTools(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tools := [][]string{{"git", "apply", "--unsafe-paths"}}
	if _, err := exec.LookPath("patch"); err == nil {
		tools = append(tools, []string{"patch", "-s", "-p1", "-i"})
	} else {
		t.Log("patch is not installed: git apply only")
	}
	for i := range 30 {
		a, b := randomText(r), randomText(r)
		if i == 0 {
			a = "" // creation, below
		}
		for _, tool := range tools {
			dir := t.TempDir()
			missing := i == 0
			if !missing {
				if err := os.WriteFile(filepath.Join(dir, "f.yaml"), []byte(a), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var old []byte
			if !missing {
				old = []byte(a)
			}
			d := Diff("f.yaml", old, missing, []byte(b))
			if d == nil {
				continue
			}
			if err := os.WriteFile(filepath.Join(dir, "fix.patch"), d, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(tool[0], append(tool[1:], "fix.patch")...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s\ndiff:\n%s", strings.Join(tool, " "), err, out, d)
			}
			got, err := os.ReadFile(filepath.Join(dir, "f.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != b {
				t.Fatalf("%s gives %q, want %q\ndiff:\n%s", tool[0], got, b, d)
			}
		}
	}
}

func randomText(r *rand.Rand) string {
	var s strings.Builder
	for range r.IntN(25) {
		s.WriteString(string(rune('a' + r.IntN(4))))
		s.WriteByte('\n')
	}
	if r.IntN(8) == 0 {
		s.WriteString("end") // no newline at the end
	}
	return s.String()
}

// apply applies a unified diff of one file to old, checking every hunk's
// header against its lines, and counts the lines removed and added.
func apply(old, diff string) (string, int, error) {
	if diff == "" {
		return old, 0, nil
	}
	a := lines(old)
	dl := strings.SplitAfter(diff, "\n")
	if len(dl) < 2 || dl[0] != "--- a/f\n" || dl[1] != "+++ b/f\n" {
		return "", 0, fmt.Errorf("bad header")
	}
	var out []string
	next, edits := 0, 0 // next line of a to copy
	i := 2
	for i < len(dl) && dl[i] != "" {
		var sa, na, sb, nb int
		if _, err := fmt.Sscanf(dl[i], "@@ -%d,%d +%d,%d @@\n", &sa, &na, &sb, &nb); err != nil {
			return "", 0, fmt.Errorf("line %d: %q: %v", i+1, dl[i], err)
		}
		i++
		first := sa - 1
		if na == 0 {
			first = sa
		}
		if first < next {
			return "", 0, fmt.Errorf("hunk at %d overlaps", sa)
		}
		out = append(out, a[next:first]...)
		if nb > 0 && sb-1 != len(out) || nb == 0 && sb != len(out) {
			return "", 0, fmt.Errorf("hunk +%d, output is at line %d", sb, len(out))
		}
		next = first
		ga, gb := 0, 0
		for ga < na || gb < nb {
			if i >= len(dl) || dl[i] == "" {
				return "", 0, fmt.Errorf("hunk -%d,%d +%d,%d is short", sa, na, sb, nb)
			}
			l := dl[i]
			i++
			if i < len(dl) && strings.HasPrefix(dl[i], `\ No newline`) {
				l += dl[i]
				i++
			}
			switch l[0] {
			case ' ', '-':
				if next >= len(a) || a[next] != l[1:] {
					return "", 0, fmt.Errorf("context or removed line %q does not match line %d", l, next+1)
				}
				next++
				ga++
				if l[0] == ' ' {
					out = append(out, l[1:])
					gb++
				} else {
					edits++
				}
			case '+':
				out = append(out, l[1:])
				gb++
				edits++
			default:
				return "", 0, fmt.Errorf("bad line %q", l)
			}
		}
		if ga != na || gb != nb {
			return "", 0, fmt.Errorf("hunk counts -%d +%d, lines -%d +%d", na, nb, ga, gb)
		}
	}
	out = append(out, a[next:]...)
	s := strings.Join(out, "")
	return strings.ReplaceAll(s, "\n\\ No newline at end of file\n", ""), edits, nil
}

func lcs(a, b []string) int {
	t := make([][]int, len(a)+1)
	for i := range t {
		t[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	return t[0][0]
}
