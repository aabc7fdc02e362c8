// Package realworld indexes the corpus of public rule sets and promtool
// unit-test suites kept unchanged under testdata/realworld, so that tests
// and benchmarks find its files without restating the list.
//
// Each set is a directory holding the upstream files, byte for byte, and a
// SOURCE.md that says where they came from. SOURCE.md starts with a list of
// facts, one a line:
//
//   - Repository: https://github.com/OWNER/NAME
//   - Commit: 40 hex digits
//   - Licence: an SPDX identifier
//
// and ends with a table, under the heading "## Files", with one row per file:
//
//	| file | kind | origin | sha256 |
//	|---|---|---|---|
//	| `tests/kubelet-test.yaml` | test | `tests/kubelet-test.yaml` | 4f1c… |
//
// file is the path inside the set, slash-separated; kind is one of the Kind
// values; origin is the upstream path, or "rendered" for a file built from
// the upstream jsonnet by the command SOURCE.md gives; sha256 is the
// file's digest in hex, or "-" for a side file written here.
package realworld

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Kind says what a file of a set is.
type Kind string

const (
	// Rules is a Prometheus rule file or a PrometheusRule manifest.
	Rules Kind = "rules"
	// Test is a promtool unit-test file.
	Test Kind = "test"
	// TestRules is a rule file that only the unit tests read, built from
	// the set's other rule files (OpenShift's tests read every manifest's
	// groups concatenated into one file). Its rules repeat theirs: count,
	// lint or compare the Rules files, not these.
	TestRules Kind = "test-rules"
	// Licence is the upstream licence.
	Licence Kind = "licence"
	// Jsonnet is upstream jsonnet the set's rendered rules come from,
	// unchanged, for linting the mixin as its authors write it.
	Jsonnet Kind = "jsonnet"
	// Side is a file written here beside the upstream files (findings'
	// reasons, for example). It is not upstream and carries no digest.
	Side Kind = "side"
)

// File is one file of a set.
type File struct {
	// Path is relative to the set's directory, slash-separated.
	Path string
	Kind Kind
	// Origin is the upstream path, or "rendered".
	Origin string
	// SHA256 is the hex digest the file must have; empty for side files.
	SHA256 string
	// Line is the line of the file's row in SOURCE.md.
	Line int
}

// Set is one vendored rule set.
type Set struct {
	// Name is the name of the set's directory.
	Name string
	// Dir is the set's directory.
	Dir string
	// Repository, Commit and Licence are SOURCE.md's facts.
	Repository string
	Commit     string
	Licence    string
	Files      []File
}

// Paths returns the paths (joined with the set's directory) of the files
// of the given kind, in the order SOURCE.md lists them.
func (s Set) Paths(kind Kind) []string {
	var out []string
	for _, f := range s.Files {
		if f.Kind == kind {
			out = append(out, filepath.Join(s.Dir, filepath.FromSlash(f.Path)))
		}
	}
	return out
}

// Load reads the SOURCE.md of every set below root (each directory directly
// under it), in name order.
func Load(root string) ([]Set, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var sets []Set
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		set, err := readSource(filepath.Join(dir, "SOURCE.md"))
		if err != nil {
			return nil, err
		}
		set.Name, set.Dir = e.Name(), dir
		sets = append(sets, set)
	}
	sort.Slice(sets, func(i, j int) bool { return sets[i].Name < sets[j].Name })
	return sets, nil
}

func readSource(name string) (Set, error) {
	var set Set
	f, err := os.Open(name)
	if err != nil {
		return set, err
	}
	defer f.Close()
	var (
		files   []File
		inFiles bool
		seen    = map[string]int{}
		line    int
	)
	facts := map[string]*string{"Repository": &set.Repository, "Commit": &set.Commit, "Licence": &set.Licence}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "#") {
			inFiles = text == "## Files"
			continue
		}
		if key, value, ok := strings.Cut(strings.TrimPrefix(text, "- "), ": "); ok && !inFiles && strings.HasPrefix(text, "- ") {
			if p := facts[key]; p != nil && *p == "" {
				*p = strings.Trim(strings.TrimSpace(value), "`")
			}
			continue
		}
		if !inFiles || !strings.HasPrefix(text, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(text, "|"), "|")
		for i := range cells {
			cells[i] = strings.Trim(strings.TrimSpace(cells[i]), "`")
		}
		if len(cells) != 4 {
			return set, fmt.Errorf("%s:%d: a file row has 4 cells (file, kind, origin, sha256), not %d", name, line, len(cells))
		}
		if cells[0] == "file" || strings.Trim(cells[0], "-: ") == "" {
			continue // header and separator
		}
		file := File{Path: cells[0], Kind: Kind(cells[1]), Origin: cells[2], SHA256: cells[3], Line: line}
		if err := file.validate(); err != nil {
			return set, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		if prev, ok := seen[file.Path]; ok {
			return set, fmt.Errorf("%s:%d: %s is already listed on line %d", name, line, file.Path, prev)
		}
		seen[file.Path] = line
		if file.SHA256 == "-" {
			file.SHA256 = ""
		}
		files = append(files, file)
	}
	if err := sc.Err(); err != nil {
		return set, err
	}
	if len(files) == 0 {
		return set, fmt.Errorf("%s: no file rows under \"## Files\"", name)
	}
	if !strings.HasPrefix(set.Repository, "https://github.com/") {
		return set, fmt.Errorf("%s: no \"- Repository: https://github.com/OWNER/NAME\" line", name)
	}
	if len(set.Commit) != 40 || strings.Trim(set.Commit, "0123456789abcdef") != "" {
		return set, fmt.Errorf("%s: no \"- Commit:\" line with a full commit hash", name)
	}
	if set.Licence == "" {
		return set, fmt.Errorf("%s: no \"- Licence:\" line", name)
	}
	set.Files = files
	return set, nil
}

func (f File) validate() error {
	if f.Path != path.Clean(f.Path) || path.IsAbs(f.Path) || strings.HasPrefix(f.Path, "../") || f.Path == "SOURCE.md" {
		return fmt.Errorf("file %q is not a clean path inside the set", f.Path)
	}
	switch f.Kind {
	case Rules, TestRules, Test, Licence, Jsonnet:
		if len(f.SHA256) != 64 || strings.Trim(f.SHA256, "0123456789abcdef") != "" {
			return fmt.Errorf("%s: sha256 %q is not 64 lower-case hex digits", f.Path, f.SHA256)
		}
	case Side:
		if f.SHA256 != "-" {
			return fmt.Errorf("%s: a side file has no digest (-), not %q", f.Path, f.SHA256)
		}
	default:
		return fmt.Errorf("%s: kind %q is not one of rules, test-rules, test, licence, jsonnet, side", f.Path, f.Kind)
	}
	if f.Origin == "" {
		return fmt.Errorf("%s: no origin", f.Path)
	}
	return nil
}
