package checks

import (
	"bytes"
	"flag"
	"fmt"
	"github.com/oomguard/oomguard/lint/engine"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/checks.md")

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
		if c.Rule == nil && c.File == nil && c.Files == nil && c.Test == nil && c.Loader == "" {
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
		if md, err := os.ReadFile(fileOf(c.ID) + ".md"); err != nil || strings.TrimSpace(string(md)) != c.Doc {
			t.Errorf("%s: its documentation is not %s.md", c.ID, fileOf(c.ID))
		}
	}
	// Every document beside the checks is a check's.
	mds, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, c := range all {
		documented[fileOf(c.ID)+".md"] = true
	}
	for _, md := range mds {
		if !documented[md] {
			t.Errorf("%s is the documentation of no check", md)
		}
	}
}

// TestDocs keeps docs/checks.md equal to what the registry says.
func TestDocs(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("# Lint checks\n\nGenerated from the check registry (`lint/checks`); `make update-golden` rewrites it.\n\n")
	b.WriteString("Two kinds of check:\n\n" +
		"- **correctness** checks find what is wrong whoever wrote the rules: a rule Prometheus refuses, a query that\n" +
		"  returns nothing or counts twice, an alert that fires on every blip. They run by default; `disable` turns one off.\n" +
		"- **policy** checks hold rules to a team's conventions: required annotations, allowed severities, naming\n" +
		"  patterns. Public rule sets each follow their own, so these are off by default: `.oomguard.yaml` turns one on\n" +
		"  with the team's own values (`requiredAnnotations`, `severityLabelValues`, `alertNamePattern`,\n" +
		"  `recordNamePattern`), or with the defaults shown in its section (`policy: [ID]`).\n\n")
	b.WriteString("| check | kind | severity | title |\n|---|---|---|---|\n")
	for _, c := range All() {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s |\n", c.ID, strings.NewReplacer("/", "", "-", "-").Replace(c.ID), kindOf(c), c.Severity, c.Title)
	}
	for _, c := range All() {
		fmt.Fprintf(&b, "\n## %s\n\n%s (%s, default severity: %s)\n\n%s\n", c.ID, c.Title, kindOf(c), c.Severity, strings.TrimSpace(c.Doc))
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

func kindOf(c *engine.Check) string {
	if c.Policy {
		return "policy, off by default"
	}
	return "correctness"
}
