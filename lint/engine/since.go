package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/oomguard/oomguard/rules"
)

// SinceError is a git ref that --since cannot compare with.
type SinceError struct {
	Ref string
	Err error
}

func (e *SinceError) Error() string { return fmt.Sprintf("since %s: %v", e.Ref, e.Err) }
func (e *SinceError) Unwrap() error { return e.Err }

// changes are the lines of the work tree that differ from a git ref.
type changes struct {
	// lines maps an absolute path to its changed lines, sorted.
	lines map[string][]int
	// whole holds files git does not track: all of them is new.
	whole map[string]bool
}

var hunkRE = regexp.MustCompile(`^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@`)

// changedLines asks git which lines of the work tree (staged or not)
// differ from ref, and which files it does not track; errors are
// *SinceError.
func changedLines(ref string) (*changes, error) {
	c, err := gitChanges(ref)
	if err != nil {
		return nil, &SinceError{Ref: ref, Err: err}
	}
	return c, nil
}

func gitChanges(ref string) (*changes, error) {
	git := func(args ...string) ([]byte, error) {
		cmd := exec.Command("git", args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			msg := strings.TrimSpace(stderr.String())
			if msg == "" {
				msg = err.Error()
			}
			return nil, errors.New(msg)
		}
		return out, nil
	}
	top, err := git("rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	root := strings.TrimSpace(string(top))
	if _, err := git("rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		return nil, fmt.Errorf("not a commit in this repository")
	}
	diff, err := git("-c", "core.quotePath=false", "diff", "--unified=0", "--no-color", "--no-ext-diff", "--no-renames", ref, "--")
	if err != nil {
		return nil, err
	}
	c := &changes{lines: map[string][]int{}, whole: map[string]bool{}}
	var file string
	for _, line := range strings.Split(string(diff), "\n") {
		switch {
		case strings.HasPrefix(line, "+++ "):
			name := strings.TrimPrefix(line, "+++ ")
			if strings.HasPrefix(name, `"`) {
				if u, err := strconv.Unquote(name); err == nil {
					name = u
				}
			}
			file = ""
			if rest, ok := strings.CutPrefix(name, "b/"); ok {
				file = filepath.Join(root, filepath.FromSlash(rest))
			}
		case strings.HasPrefix(line, "@@ ") && file != "":
			m := hunkRE.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			start, _ := strconv.Atoi(m[1])
			count := 1
			if m[2] != "" {
				count, _ = strconv.Atoi(m[2])
			}
			if count == 0 {
				// Lines removed after line start: the lines on both
				// sides of the cut changed.
				c.lines[file] = append(c.lines[file], start, start+1)
			}
			for l := start; l < start+count; l++ {
				c.lines[file] = append(c.lines[file], l)
			}
		}
	}
	for f := range c.lines {
		slices.Sort(c.lines[f])
	}
	untracked, err := git("-C", root, "ls-files", "-z", "--others", "--exclude-standard", "--full-name")
	if err != nil {
		return nil, err
	}
	for _, name := range strings.Split(string(untracked), "\x00") {
		if name != "" {
			c.whole[filepath.Join(root, filepath.FromSlash(name))] = true
		}
	}
	return c, nil
}

// filter keeps the findings on changed lines: a finding in a rule is kept
// when any line of that rule changed, one outside rules when its own line
// did. Standard input is all new.
func (c *changes) filter(ds []Diagnostic, files []*rules.File) []Diagnostic {
	byPath := map[string]*rules.File{}
	for _, f := range files {
		// The findings of an evaluated mixin are in its jsonnet, not in
		// the evaluated rules.
		if f.Origin == nil {
			byPath[f.Path] = f
		}
	}
	var kept []Diagnostic
	for _, d := range ds {
		if d.File == "<stdin>" {
			kept = append(kept, d)
			continue
		}
		abs, err := filepath.Abs(d.File)
		if err != nil {
			kept = append(kept, d)
			continue
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		if c.whole[abs] {
			kept = append(kept, d)
			continue
		}
		lines := c.lines[abs]
		if len(lines) == 0 {
			continue
		}
		from, to := d.Pos.Line, d.Pos.Line
		if f := byPath[d.File]; f != nil {
			from, to = ruleSpan(f, d.Pos.Line)
		}
		i, _ := slices.BinarySearch(lines, from)
		if i < len(lines) && lines[i] <= to {
			kept = append(kept, d)
		}
	}
	return kept
}

// ruleSpan returns the lines of the rule holding line n: from its first
// line to the line before whatever starts next (a rule, a group, a
// document). A line outside every rule is its own span.
func ruleSpan(f *rules.File, n int) (int, int) {
	var starts, ruleStarts []int
	for _, d := range f.Docs {
		starts = append(starts, d.Pos.Line)
		for _, g := range d.Groups {
			starts = append(starts, g.Pos.Line)
			for _, r := range g.Rules {
				starts = append(starts, r.Pos.Line)
				ruleStarts = append(ruleStarts, r.Pos.Line)
			}
		}
	}
	slices.Sort(starts)
	slices.Sort(ruleStarts)
	// The last rule starting at or before n.
	i, found := slices.BinarySearch(ruleStarts, n)
	if !found {
		i--
	}
	if i < 0 {
		return n, n
	}
	from := ruleStarts[i]
	to := f.LineCount()
	j, _ := slices.BinarySearch(starts, from+1)
	if j < len(starts) {
		to = starts[j] - 1
	}
	if n > to {
		return n, n
	}
	return from, to
}
