package realworld

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oomguard/oomguard/rules"
	yaml "go.yaml.in/yaml/v3"
)

const root = "../../testdata/realworld"

// notLoading lists the vendored rule files oomguard's loader rejects, with
// the reason; they stay as upstream ships them. The test fails when one of
// them starts to load, so that the record stays true.
var notLoading = map[string]string{
	"sloth/victoria-metrics.yml": "MetricsQL, not PromQL: sloth's VictoriaMetrics example uses histogram_share() " +
		"and ranges over expressions ((vector(1)[5m])), which only VictoriaMetrics evaluates; promtool rejects the file too",
}

func loadSets(t *testing.T) []Set {
	t.Helper()
	sets, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) == 0 {
		t.Fatalf("no sets under %s", root)
	}
	return sets
}

// TestFilesUnchanged keeps the upstream files byte-identical to what
// SOURCE.md records: fix a check, never the corpus.
func TestFilesUnchanged(t *testing.T) {
	for _, set := range loadSets(t) {
		for _, f := range set.Files {
			if f.Kind == Side {
				continue
			}
			data, err := os.ReadFile(filepath.Join(set.Dir, filepath.FromSlash(f.Path)))
			if err != nil {
				t.Errorf("%s/SOURCE.md:%d: %v", set.Name, f.Line, err)
				continue
			}
			sum := sha256.Sum256(data)
			if got := hex.EncodeToString(sum[:]); got != f.SHA256 {
				t.Errorf("%s/%s: sha256 %s, SOURCE.md:%d records %s: vendored files stay as upstream ships them", set.Name, f.Path, got, f.Line, f.SHA256)
			}
		}
	}
}

// TestNoUnlistedFiles makes every file of a set either listed in its
// SOURCE.md or SOURCE.md itself, so nothing enters the corpus without
// provenance.
func TestNoUnlistedFiles(t *testing.T) {
	for _, set := range loadSets(t) {
		listed := map[string]bool{"SOURCE.md": true}
		for _, f := range set.Files {
			listed[f.Path] = true
		}
		err := filepath.WalkDir(set.Dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(set.Dir, p)
			if err != nil {
				return err
			}
			if !listed[filepath.ToSlash(rel)] {
				t.Errorf("%s/%s is not listed in %s/SOURCE.md", set.Name, filepath.ToSlash(rel), set.Name)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}
}

// TestRuleFilesLoad loads every rule file with the loader every command
// uses, with default options.
func TestRuleFilesLoad(t *testing.T) {
	seen := map[string]bool{}
	for _, set := range loadSets(t) {
		for _, p := range append(set.Paths(Rules), set.Paths(TestRules)...) {
			key := filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
			seen[key] = true
			f, errs := parseFile(t, p)
			why, known := notLoading[key]
			switch {
			case known && len(errs) == 0:
				t.Errorf("%s loads now; drop it from notLoading (%s)", key, why)
			case !known && len(errs) > 0:
				t.Errorf("%s does not load: %v", key, errs)
			case !known && len(f.Groups()) == 0:
				t.Errorf("%s loads but holds no group", key)
			}
		}
	}
	for key := range notLoading {
		if !seen[key] {
			t.Errorf("notLoading names %s, which is no rule file of the corpus", key)
		}
	}
}

func parseFile(t *testing.T, p string) (*rules.File, rules.ErrorList) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return rules.Parse(p, data, rules.Options{})
}

// testFile is the part of a promtool test file the index needs.
type testFile struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name string `yaml:"name"`
	} `yaml:"tests"`
}

func parseTestFile(t *testing.T, p string) testFile {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var tf testFile
	if err := yaml.Unmarshal(data, &tf); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return tf
}

// TestSuitesResolve checks that every unit-test file's rule_files resolve,
// relative to the test file as promtool resolves them, to rule files of the
// same set: the suites run unchanged against the vendored rules.
func TestSuitesResolve(t *testing.T) {
	for _, set := range loadSets(t) {
		ruleFiles := append(set.Paths(Rules), set.Paths(TestRules)...)
		for _, p := range set.Paths(Test) {
			tf := parseTestFile(t, p)
			if len(tf.RuleFiles) == 0 || len(tf.Tests) == 0 {
				t.Errorf("%s: no rule_files or no tests", p)
			}
			for _, rf := range tf.RuleFiles {
				matches, err := filepath.Glob(filepath.Join(filepath.Dir(p), rf))
				if err != nil || len(matches) == 0 {
					t.Errorf("%s: rule_files entry %q matches no file", p, rf)
				}
				for _, m := range matches {
					if !slices.Contains(ruleFiles, m) {
						t.Errorf("%s: rule_files entry %q reaches %s, which SOURCE.md does not list as rules", p, rf, m)
					}
				}
			}
		}
	}
}

// TestIndex keeps testdata/realworld/README.md's table true to the sets.
func TestIndex(t *testing.T) {
	var want []string
	for _, set := range loadSets(t) {
		nRules := 0
		for _, p := range set.Paths(Rules) {
			f, _ := parseFile(t, p)
			nRules += f.Rules()
		}
		groups := 0
		for _, p := range set.Paths(Test) {
			groups += len(parseTestFile(t, p).Tests)
		}
		want = append(want, fmt.Sprintf("| [%s](%s/SOURCE.md) | %d | %d | %d | %d | %s |",
			set.Name, set.Name, len(set.Paths(Rules)), nRules, len(set.Paths(Test)), groups, set.Licence))
	}
	got := readIndex(t, filepath.Join(root, "README.md"))
	if !slices.Equal(got, want) {
		t.Errorf("README.md's table is out of date; its rows should read:\n%s", strings.Join(want, "\n"))
	}
}

// readIndex returns the rows of README.md's table of sets.
func readIndex(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "| [") {
			rows = append(rows, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}
