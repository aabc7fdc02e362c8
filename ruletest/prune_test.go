package ruletest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// testFiles are every unit-test file at hand: promtool's own corpus,
// testdata/prune (unread rules that can and cannot fail, groups named for
// their verdict), testdata/passes (rules that read each other within and
// across steps, and what evaluation over the range cannot prove) and the
// verdict files of the CLI's tests.
func testFiles(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/prometheus/prometheus").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var files []string
	for _, pattern := range []string{
		filepath.Join(strings.TrimSpace(string(out)), "cmd", "promtool", "testdata", "*.yml"),
		"testdata/prune/*_test.yml",
		"testdata/passes/*_test.yml",
		"../internal/cli/testdata/verdicts/*_test.yml",
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			data, err := os.ReadFile(f)
			if err == nil && strings.Contains(string(data), "tests:") {
				files = append(files, f)
			}
		}
	}
	if len(files) < 20 {
		t.Fatalf("only %d test files", len(files))
	}
	return files
}

// outcome is a report without timings.
func outcome(r *Report) string {
	var b strings.Builder
	for _, f := range r.Files {
		fmt.Fprintf(&b, "file %s err=%v warnings=%q\n", f.Path, f.Err, f.Warnings)
		for _, g := range f.Groups {
			fmt.Fprintf(&b, "  group %q\n", g.Name)
			for _, x := range g.Failures {
				fmt.Fprintf(&b, "    %s %v %q %q %q %q\n", x.Kind, x.EvalTime, x.Alertname, x.Expr, x.Message, x.Diff)
			}
		}
	}
	return b.String()
}

var (
	leftOutName = regexp.MustCompile(`\(left out (\d+)\)`)
	rangedName  = regexp.MustCompile(`\[ranged (\d+)\]`)
)

// TestPruneKeepsVerdicts runs every test file with and without leaving out
// rules, and requires the same report, failure messages included; in
// testdata/prune, each group's verdict is the one its name says, rules are
// left out where they cannot fail, and never where they can.
func TestPruneKeepsVerdicts(t *testing.T) {
	for _, f := range testFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			for _, compat := range []bool{false, true} {
				pruned, err := Run([]string{f}, Options{Compat: compat})
				if err != nil {
					t.Fatal(err)
				}
				full, err := Run([]string{f}, Options{Compat: compat, Exhaustive: true})
				if err != nil {
					t.Fatal(err)
				}
				if a, b := outcome(pruned), outcome(full); a != b {
					t.Fatalf("compat=%v: rules left out change the outcome\nleft out:\n%s\nevery rule:\n%s", compat, a, b)
				}
				for _, g := range full.Files[0].Groups {
					if g.LeftOut != 0 {
						t.Errorf("--exhaustive left out %d rules of %q", g.LeftOut, g.Name)
					}
				}
				if !strings.Contains(f, "prune") && !strings.Contains(f, "passes") {
					continue
				}
				for _, g := range pruned.Files[0].Groups {
					if pass := strings.HasPrefix(g.Name, "pass "); pass == g.Failed() {
						t.Errorf("group %q: failed=%v\n%s", g.Name, g.Failed(), outcome(pruned))
					}
					// A rule that can fail is never left out; those of
					// safe.rules.yml cannot fail, and are.
					if g.Failed() && g.LeftOut > 0 {
						t.Errorf("group %q: %d rules left out, and it fails", g.Name, g.LeftOut)
					}
					if strings.HasPrefix(filepath.Base(f), "safe") && g.LeftOut != 3 {
						t.Errorf("group %q: %d rules left out, want the 3 of safe.rules.yml", g.Name, g.LeftOut)
					}
					// A group named "... (left out N)" has N rules left out;
					// "[ranged N]", N rules evaluated over the range; "[step
					// by step]", the whole group step by step.
					if m := leftOutName.FindStringSubmatch(g.Name); m != nil && m[1] != strconv.Itoa(g.LeftOut) {
						t.Errorf("group %q: %d rules left out", g.Name, g.LeftOut)
					}
					if m := rangedName.FindStringSubmatch(g.Name); m != nil && m[1] != strconv.Itoa(g.Ranged) {
						t.Errorf("group %q: %d rules over the range, step by step: %v", g.Name, g.Ranged, g.StepByStep)
					}
					if whole := len(g.StepByStep) == 1 && g.StepByStep[0].Rule == ""; strings.Contains(g.Name, "[step by step]") && !whole {
						t.Errorf("group %q: step by step: %v", g.Name, g.StepByStep)
					}
				}
			}
		})
	}
}
