package cli

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// prometheusTestdata returns promtool's test corpus in the pinned
// prometheus module.
func prometheusTestdata(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/prometheus/prometheus").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "cmd", "promtool", "testdata")
}

// TestPromtoolCompat runs every row of promtool 3.16's recorded results on
// its own unit-test corpus and requires oomguard test to exit as promtool
// did, in the default mode.
func TestPromtoolCompat(t *testing.T) {
	dir := prometheusTestdata(t)
	f, err := os.Open("testdata/promtool-expected.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := 0
	sc := bufio.NewScanner(f)
	header := true
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if header {
			header = false
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 4 {
			t.Fatalf("bad row %q", line)
		}
		name, argStr, fileStr := cols[0], cols[1], cols[2]
		want, err := strconv.Atoi(cols[3])
		if err != nil {
			t.Fatalf("bad exit code in %q", line)
		}
		rows++
		t.Run(name, func(t *testing.T) {
			args := []string{"test"}
			for _, a := range strings.Fields(argStr) {
				args = append(args, strings.ReplaceAll(a, "$TMP", t.TempDir()))
			}
			for _, file := range strings.Fields(fileStr) {
				args = append(args, filepath.Join(dir, file))
			}
			var out, errOut bytes.Buffer
			got := Main(args, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			if got != want {
				t.Errorf("oomguard %s: exit %d, promtool exits %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got, want, out.String(), errOut.String())
			}
		})
	}
	if rows < 25 {
		t.Fatalf("only %d rows", rows)
	}
}

// TestPromtoolGroupVerdicts runs test files with promtool 3.16 and with
// oomguard test, both writing JUnit, and requires the same verdict for
// every test group: every test file of promtool's corpus, the test files
// of testdata/verdicts and ruletest/testdata/prune and passes (whose group
// names say the verdict they must get),
// and the pack's own unit tests as oomguard generate --tests writes them.
func TestPromtoolGroupVerdicts(t *testing.T) {
	bin := os.Getenv("OOMGUARD_PROMTOOL")
	if bin == "" {
		bin = "../../.cache/bin/promtool"
	}
	bin, _ = filepath.Abs(bin)
	if _, err := os.Stat(bin); err != nil {
		t.Skip("promtool not built: run make tools (make test does)")
	}
	type testFile struct{ dir, name string }
	var files []testFile
	corpus := prometheusTestdata(t)
	for _, f := range []string{"unittest.yml", "long-period.yml", "bad-input-series.yml", "bad-promql.yml", "bad-rules-syntax-test.yml",
		"bad-rules-error-test.yml", "failing.yml", "at-modifier-test.yml", "negative-offset-test.yml", "experimental-functions-test.yml",
		"no-test-group-interval.yml", "start-time-test.yml", "rules_run.yml", "rules_run_no_fuzzy.yml", "rules_run_fuzzy.yml"} {
		files = append(files, testFile{corpus, f})
	}
	own, err := filepath.Glob("testdata/verdicts/*_test.yml")
	if err != nil || len(own) == 0 {
		t.Fatalf("testdata/verdicts: %v, %d files", err, len(own))
	}
	for _, dir := range []string{"prune", "passes"} {
		m, err := filepath.Glob("../../ruletest/testdata/" + dir + "/*_test.yml")
		if err != nil || len(m) == 0 {
			t.Fatalf("ruletest/testdata/%s: %v, %d files", dir, err, len(m))
		}
		own = append(own, m...)
	}
	for _, f := range own {
		dir, _ := filepath.Abs(filepath.Dir(f))
		files = append(files, testFile{dir, filepath.Base(f)})
	}
	packDir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := Main([]string{"generate", "--format", "rules", "--tests", packDir}, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}); code != 0 {
		t.Fatalf("oomguard generate --tests: exit %d\n%s", code, errOut.String())
	}
	files = append(files, testFile{packDir, "pack_test.yaml"})

	groups := 0
	for _, f := range files {
		name := f.name
		if f.dir == packDir {
			name = "pack/" + name
		} else if f.dir != corpus {
			name = filepath.Base(f.dir) + "/" + name
		}
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			theirs, ours := filepath.Join(tmp, "promtool.xml"), filepath.Join(tmp, "oomguard.xml")
			cmd := exec.Command(bin, "test", "rules", "--junit="+theirs, f.name)
			cmd.Dir = f.dir
			_ = cmd.Run() // a failing test exits 1; the verdicts are in the report
			var out, errOut bytes.Buffer
			Main([]string{"test", "--junit", ours, filepath.Join(f.dir, f.name)}, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			a, b := junitVerdicts(t, theirs), junitVerdicts(t, ours)
			if len(a) != len(b) || len(a) == 0 {
				t.Fatalf("promtool reports %d test groups, oomguard %d: %v / %v", len(a), len(b), a, b)
			}
			for name, pass := range a {
				if b[name] != pass {
					t.Errorf("test group %q: promtool passed=%v, oomguard passed=%v\n%s", name, pass, b[name], out.String())
				}
				if f.dir != corpus && f.dir != packDir && pass != strings.HasPrefix(name, "pass ") {
					t.Errorf("test group %q: promtool passed=%v, which its name does not say", name, pass)
				}
				if f.dir == packDir && !pass {
					t.Errorf("the pack's test group %q fails", name)
				}
			}
			groups += len(a)
		})
	}
	t.Logf("%d test groups compared", groups)
}

// junitVerdicts reads pass or fail of every test case of a JUnit report,
// by test case name; a file that could not run counts as one failed case.
func junitVerdicts(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Cases []struct {
				Name     string   `xml:"name,attr"`
				Failures []string `xml:"failure"`
				Error    string   `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			out[c.Name] = len(c.Failures) == 0 && c.Error == ""
		}
	}
	return out
}
