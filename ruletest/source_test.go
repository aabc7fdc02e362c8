package ruletest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// sourceFiles are test files in a folder of their own, naming rule files in
// another by a relative path, by a glob, and one that is invalid.
var sourceFiles = map[string]string{
	"rules/a.yaml": `groups:
  - name: a
    rules:
      - record: a_value
        expr: up * 2
`,
	"rules/b.yaml": `groups:
  - name: b
    rules:
      - alert: Down
        expr: up == 0
`,
	"bad/bad.yaml": `groups:
  - name: g
    rules:
      - record: r
        expr: sum(up) by (
`,
	"tests/ok_test.yml": `rule_files: ['../rules/*.yaml']
tests:
  - name: reads both files
    input_series:
      - series: up
        values: 0 1
    alert_rule_test:
      - eval_time: 0m
        alertname: Down
        exp_alerts: [{}]
    promql_expr_test:
      - expr: a_value
        eval_time: 1m
        exp_samples: [{labels: a_value, value: 2}]
  - name: fails
    input_series:
      - series: up
        values: 1
    promql_expr_test:
      - expr: a_value
        exp_samples: [{labels: a_value, value: 3}]
`,
	"tests/bad_test.yml": `rule_files: [../bad/bad.yaml, ../rules/missing-*.yaml]
tests:
  - promql_expr_test:
      - expr: vector(1)
        exp_samples: [{value: 1}]
`,
}

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data), Mode: 0o444}
	}
	return fsys
}

// TestRunFS runs test files from an fs.FS and from the same files on disk:
// the outcomes are the same but for the names, which are the file system's
// in one and the real paths in the other.
func TestRunFS(t *testing.T) {
	paths := []string{"tests/ok_test.yml", "tests/bad_test.yml", "tests/missing_test.yml"}
	inMemory, err := RunFS(mapFS(sourceFiles), paths, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := outcome(inMemory)
	for _, want := range []string{
		`file tests/ok_test.yml err=<nil>`,
		`group "reads both files"` + "\n" + `  group "fails"` + "\n    expr",
		`bad/bad.yaml:5:27: could not parse expression`,
		`no file matches rule_files pattern rules/missing-*.yaml`,
		`file tests/missing_test.yml err=open tests/missing_test.yml: file does not exist`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}

	dir := t.TempDir()
	for name, data := range sourceFiles {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var diskPaths []string
	for _, p := range paths {
		diskPaths = append(diskPaths, filepath.Join(dir, p))
	}
	onDisk, err := Run(diskPaths, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fromDisk := outcome(onDisk)
	for _, want := range []string{
		filepath.Join(dir, "bad/bad.yaml") + ":5:27: could not parse expression",
		filepath.Join(dir, "tests/missing_test.yml") + ": no such file or directory",
	} {
		if !strings.Contains(fromDisk, want) {
			t.Errorf("report lacks the real path in %q:\n%s", want, fromDisk)
		}
	}
	// The missing file's error differs between the two, by its source.
	trim := func(s string) string {
		s = strings.ReplaceAll(s, dir+"/", "")
		i := strings.Index(s, "file tests/missing_test.yml")
		return s[:i]
	}
	if a, b := trim(got), trim(fromDisk); a != b {
		t.Errorf("in memory and on disk differ:\nin memory:\n%s\non disk:\n%s", a, b)
	}
}

func TestRunFSAbsolutePattern(t *testing.T) {
	fsys := mapFS(map[string]string{"t_test.yml": "rule_files: [/etc/rules.yaml]\ntests: []\n"})
	r, err := RunFS(fsys, []string{"t_test.yml"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e := r.Files[0].Err; e == nil || !strings.Contains(e.Error(), "/etc/rules.yaml: an absolute path cannot name a file of this file system") {
		t.Errorf("err = %v", e)
	}
}

func TestRunFSTooLarge(t *testing.T) {
	big := "# " + strings.Repeat("x", 100) + "\ngroups: []\n"
	fsys := mapFS(map[string]string{"r.yaml": big, "t_test.yml": "rule_files: [r.yaml]\ntests: [{}]\n"})
	c, err := newConfig(fsSource{fsys}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.rules.opts.MaxFileSize = 50
	fr, jobs := c.prepareFile("t_test.yml")
	if fr.Err != nil || len(jobs) != 1 {
		t.Fatalf("err %v, %d jobs", fr.Err, len(jobs))
	}
	if errs := jobs[0].file.loadErrs; len(errs) == 0 || !strings.Contains(errs[0], "r.yaml:1:1: file is more than the limit of 50 bytes") {
		t.Errorf("load errors %q", errs)
	}
}
