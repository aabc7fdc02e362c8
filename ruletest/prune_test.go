package ruletest

import (
	"fmt"
	"io/fs"
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

// TestPruneKeepsVerdicts runs every test file the fast way and with
// --exhaustive, and requires the same report, failure messages included;
// in testdata/prune and testdata/passes, each group's verdict is the one
// its name says, rules are left out where they cannot fail, and never
// where they can, and evaluated over the range as the name says.
//
// Under the race detector the three files of promtool's corpus with the
// longest ranges are left out: they took 90 of the test's 104 seconds there,
// and run the same code as the others over more steps. make test runs the
// test again without the detector (go test -run TestPruneKeepsVerdicts
// ./ruletest/), every file.
func TestPruneKeepsVerdicts(t *testing.T) {
	files := testFiles(t)
	if raceDetector {
		kept := files[:0]
		for _, f := range files {
			switch filepath.Base(f) {
			case "sample-limit_test.yml", "limit_test.yml", "long-period.yml":
				t.Logf("%s: left to the run without the race detector", filepath.Base(f))
			default:
				kept = append(kept, f)
			}
		}
		files = kept
	}
	sameBothWays(t, files, []bool{false, true})
}

// TestRealworldBothWays does the same for the unit tests of the public
// rule sets in testdata/realworld, under --compat as they are written for
// promtool. Without the race detector only: the step-by-step side takes
// promtool's time, a minute of CPU, which the race detector multiplies
// (make test runs it on its own).
func TestRealworldBothWays(t *testing.T) {
	if raceDetector {
		t.Skip("the real-world suites run without the race detector: go test -run TestRealworldBothWays ./ruletest/")
	}
	files := realworldTests(t, "../testdata/realworld")
	if files == nil {
		t.Skip("no testdata/realworld")
	}
	sameBothWays(t, files, []bool{true})
}

// realworldTests finds the unit-test files of the public rule sets: YAML
// files with rule_files and tests at the top. It returns nil when dir does
// not exist.
func realworldTests(t *testing.T, dir string) []string {
	t.Helper()
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if regexp.MustCompile(`(?m)^rule_files:`).Match(data) && regexp.MustCompile(`(?m)^tests:`).Match(data) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no unit-test file in %s", dir)
	}
	return files
}

func sameBothWays(t *testing.T, files []string, modes []bool) {
	for _, f := range files {
		name := filepath.Base(f)
		if rel, ok := strings.CutPrefix(f, "../testdata/realworld/"); ok {
			name = rel
		}
		t.Run(name, func(t *testing.T) {
			for _, compat := range modes {
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
