package cli

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
// oomguard test --compat, both writing JUnit, and requires the same verdict
// for every test group, in order: every test file of promtool's corpus,
// the test files of testdata/verdicts and ruletest/testdata/prune and
// passes (whose group names say the verdict they must get), and the pack's
// own unit tests as oomguard generate --tests writes them (the same report
// fast and with --exhaustive). TestPromtoolRealworldVerdicts does the same
// for the public suites. It compares verdicts, not concurrency, and took 97
// s under the race detector (the pack's tests, and promtool's corpus, run
// by oomguard several times slower): make test runs it on the line of its
// own with TestPromtoolRealworldVerdicts, without the detector.
func TestPromtoolGroupVerdicts(t *testing.T) {
	if raceDetector {
		t.Skip("run without the race detector: go test -run TestPromtoolGroupVerdicts ./internal/cli/")
	}
	bin := promtoolBinary(t)
	var files []testFile
	corpus := prometheusTestdata(t)
	for _, f := range []string{"unittest.yml", "long-period.yml", "bad-input-series.yml", "bad-promql.yml", "bad-rules-syntax-test.yml",
		"bad-rules-error-test.yml", "failing.yml", "at-modifier-test.yml", "negative-offset-test.yml", "experimental-functions-test.yml",
		"no-test-group-interval.yml", "start-time-test.yml", "rules_run.yml", "rules_run_no_fuzzy.yml", "rules_run_fuzzy.yml"} {
		files = append(files, testFile{dir: corpus, name: f, label: f})
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
		files = append(files, testFile{dir: dir, name: filepath.Base(f), label: filepath.Base(dir) + "/" + filepath.Base(f), namedVerdicts: true})
	}
	packDir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := Main([]string{"generate", "--format", "rules", "--tests", packDir}, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}); code != 0 {
		t.Fatalf("oomguard generate --tests: exit %d\n%s", code, errOut.String())
	}
	files = append(files, testFile{dir: packDir, name: "pack_test.yaml", label: "pack/pack_test.yaml", pack: true})
	compareVerdicts(t, bin, files)
}

// TestPromtoolRealworldVerdicts compares the verdicts of promtool and
// oomguard test --compat, group by group, on the unit tests of the public
// rule sets of testdata/realworld. promtool takes over a minute of CPU on
// them and oomguard's side would take several times its time under the
// race detector: make test runs it on a line of its own, without.
func TestPromtoolRealworldVerdicts(t *testing.T) {
	if raceDetector {
		t.Skip("run without the race detector: go test -run TestPromtoolRealworldVerdicts ./internal/cli/")
	}
	bin := promtoolBinary(t)
	realworld, _ := filepath.Abs("../../testdata/realworld")
	if _, err := os.Stat(realworld); err != nil {
		t.Skip("no testdata/realworld")
	}
	var files []testFile
	err := filepath.WalkDir(realworld, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil && topKey.Match(data) && testsKey.Match(data) {
			rel, _ := filepath.Rel(realworld, p)
			files = append(files, testFile{dir: filepath.Dir(p), name: filepath.Base(p), label: rel})
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata/realworld: %v, no unit-test file", err)
	}
	compareVerdicts(t, bin, files)
}

// promtoolBinary is the pinned promtool; the test is skipped without it.
func promtoolBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("OOMGUARD_PROMTOOL")
	if bin == "" {
		bin = "../../.cache/bin/promtool"
	}
	bin, _ = filepath.Abs(bin)
	if _, err := os.Stat(bin); err != nil {
		t.Skip("promtool not built: run make tools (make test does)")
	}
	return bin
}

// testFile is a unit-test file to run with both tools. namedVerdicts: the
// name of each of its groups says the verdict it must get ("pass ...");
// pack: the pack's generated tests, which must all pass and give the same
// report with --exhaustive.
type testFile struct {
	dir, name, label    string
	namedVerdicts, pack bool
}

func compareVerdicts(t *testing.T, bin string, files []testFile) {
	t.Helper()
	groups := 0
	for _, f := range files {
		t.Run(f.label, func(t *testing.T) {
			tmp := t.TempDir()
			theirs, ours := filepath.Join(tmp, "promtool.xml"), filepath.Join(tmp, "oomguard.xml")
			cmd := exec.Command(bin, "test", "rules", "--junit="+theirs, f.name)
			cmd.Dir = f.dir
			_ = cmd.Run() // a failing test exits 1; the verdicts are in the report
			// promtool's leniency, so that both judge by the same rules.
			var out, errOut bytes.Buffer
			Main([]string{"test", "--compat", "--junit", ours, filepath.Join(f.dir, f.name)}, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			a, b := junitVerdicts(t, theirs), junitVerdicts(t, ours)
			if len(a) != len(b) || len(a) == 0 {
				t.Fatalf("promtool reports %d test groups, oomguard %d: %v / %v", len(a), len(b), a, b)
			}
			for i, v := range a {
				if b[i] != v {
					t.Errorf("test group %d: promtool %+v, oomguard %+v\n%s", i, v, b[i], out.String())
				}
				if f.namedVerdicts && v.pass != strings.HasPrefix(v.name, "pass ") {
					t.Errorf("test group %q: promtool passed=%v, which its name does not say", v.name, v.pass)
				}
				if f.pack && !v.pass {
					t.Errorf("the pack's test group %q fails", v.name)
				}
			}
			if f.pack {
				// The pack's tests, both ways: the same report.
				var full bytes.Buffer
				Main([]string{"test", "--compat", "--exhaustive", filepath.Join(f.dir, f.name)}, Streams{In: strings.NewReader(""), Out: &full, ErrOut: &errOut})
				if full.String() != out.String() {
					t.Errorf("the pack's tests differ with --exhaustive:\n%s\n---\n%s", out.String(), full.String())
				}
			}
			groups += len(a)
		})
	}
	t.Logf("%d test groups compared", groups)
}

var (
	topKey   = regexp.MustCompile(`(?m)^rule_files:`)
	testsKey = regexp.MustCompile(`(?m)^tests:`)
)

// verdict is a test case of a JUnit report.
type verdict struct {
	name string
	pass bool
}

// junitVerdicts reads pass or fail of every test case of a JUnit report,
// in order; a file that could not run counts as one failed case.
func junitVerdicts(t *testing.T, path string) []verdict {
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
	var out []verdict
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			out = append(out, verdict{c.Name, len(c.Failures) == 0 && c.Error == ""})
		}
	}
	return out
}
