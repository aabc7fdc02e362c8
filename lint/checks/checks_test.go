package checks

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

var update = flag.Bool("update", false, "rewrite docs/checks.md")

func fileOf(id string) string { return strings.NewReplacer("/", "_", "-", "_").Replace(id) }

// TestRegistry: IDs unique and sorted, each check documented, declared in
// its own file and with testdata.
func TestRegistry(t *testing.T) {
	all := All()
	seen := map[string]bool{}
	for i, c := range all {
		if seen[c.ID] {
			t.Errorf("duplicate ID %s", c.ID)
		}
		seen[c.ID] = true
		if i > 0 && all[i-1].ID >= c.ID {
			t.Errorf("IDs not sorted: %s before %s", all[i-1].ID, c.ID)
		}
		if !regexp.MustCompile(`^[a-z]+/[a-z0-9-]+$`).MatchString(c.ID) {
			t.Errorf("ID %q is not category/name", c.ID)
		}
		if c.Title == "" || len(c.Doc) < 80 || c.Severity == 0 {
			t.Errorf("%s: title, doc or severity missing", c.ID)
		}
		if c.Rule == nil && c.File == nil && c.Files == nil && c.Loader == "" {
			t.Errorf("%s: nothing to run", c.ID)
		}
		if c.Files != nil && c.File == nil {
			t.Errorf("%s: Files with no File to keep what it needs of each file", c.ID)
		}
		if _, err := os.Stat(fileOf(c.ID) + ".go"); err != nil {
			t.Errorf("%s: not declared in %s.go", c.ID, fileOf(c.ID))
		}
		if _, err := os.Stat(filepath.Join("testdata", fileOf(c.ID)+".yaml")); err != nil {
			t.Errorf("%s: no testdata", c.ID)
		}
	}
}

var wantRE = regexp.MustCompile(`# want (".*")\s*$`)

// TestChecks runs every check over each check's testdata and compares the
// findings of that check, line by line, with the # want comments there.
func TestChecks(t *testing.T) {
	for _, c := range All() {
		t.Run(c.ID, func(t *testing.T) {
			path := filepath.Join("testdata", fileOf(c.ID)+".yaml")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			wants := map[int][]*regexp.Regexp{}
			sc := bufio.NewScanner(bytes.NewReader(data))
			for line := 1; sc.Scan(); line++ {
				if m := wantRE.FindStringSubmatch(sc.Text()); m != nil {
					s, err := strconv.Unquote(m[1])
					if err != nil {
						t.Fatalf("line %d: bad want: %v", line, err)
					}
					wants[line] = append(wants[line], regexp.MustCompile(s))
				}
			}
			if len(wants) == 0 {
				t.Fatal("testdata has no # want")
			}
			// A check that needs settings finds them beside its testdata.
			var cfg *lint.Config
			if cfgPath := filepath.Join("testdata", fileOf(c.ID)+".oomguard.yaml"); fileExists(cfgPath) {
				var ids []string
				for _, c := range All() {
					ids = append(ids, c.ID)
				}
				if cfg, err = lint.LoadConfig(cfgPath, true, ids); err != nil {
					t.Fatal(err)
				}
			}
			f, errs := rules.Parse(path, data, rules.Options{})
			var got []lint.Diagnostic
			for _, d := range lint.Run([]*rules.File{f}, errs, All(), cfg) {
				if d.Check == c.ID {
					got = append(got, d)
				}
			}
			for _, d := range got {
				matched := false
				for i, re := range wants[d.Pos.Line] {
					if re != nil && re.MatchString(d.Message) {
						wants[d.Pos.Line][i] = nil
						matched = true
						break
					}
				}
				if !matched {
					t.Errorf("unexpected finding %v", d)
				}
				if d.Check != c.ID {
					t.Errorf("finding of %s reported as %s", c.ID, d.Check)
				}
				if !d.End.IsValid() || d.End.Less(d.Pos) {
					t.Errorf("%v: end %v is not at or after the start", d, d.End)
				}
			}
			for line, res := range wants {
				for _, re := range res {
					if re != nil {
						t.Errorf("%s:%d: no finding matches %q", path, line, re)
					}
				}
			}
		})
	}
}

// TestDocs keeps docs/checks.md equal to what the registry says.
func TestDocs(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("# Lint checks\n\nGenerated from the check registry (`lint/checks`); `make update-golden` rewrites it.\n\n")
	b.WriteString("| check | severity | title |\n|---|---|---|\n")
	for _, c := range All() {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s |\n", c.ID, strings.NewReplacer("/", "", "-", "-").Replace(c.ID), c.Severity, c.Title)
	}
	for _, c := range All() {
		fmt.Fprintf(&b, "\n## %s\n\n%s (default severity: %s)\n\n%s\n", c.ID, c.Title, c.Severity, strings.TrimSpace(c.Doc))
	}
	path := "../../docs/checks.md"
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(want, b.Bytes()) {
		t.Fatalf("docs/checks.md is out of date: run make update-golden")
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
