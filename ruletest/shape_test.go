package ruletest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	yamlv2 "go.yaml.in/yaml/v2"
)

// TestShapeErrors checks that a test file's structural mistakes are
// reported at the line and column of the key or value, in the file's terms.
func TestShapeErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"rule_files: [r.yaml]\nevaluation_intervall: 1m\n",
			"t.yml:2:1: unknown key evaluation_intervall: did you mean evaluation_interval?"},
		{"tests:\n  - interval: 1m\n    input_series: []\n    alert_rule_tests: []\n",
			"t.yml:4:5: unknown key alert_rule_tests in an entry of tests: did you mean alert_rule_test?"},
		{"tests:\n  - whatever: 1\n",
			"t.yml:2:5: unknown key whatever in an entry of tests (known: alert_rule_test, external_labels, external_url, input_series, interval, name, promql_expr_test, start_timestamp)"},
		{"tests:\n  - alert_rule_test:\n      - eval_time: 5\n",
			`t.yml:3:20: eval_time must be a duration such as 1m or 1h30m, not "5"`},
		{"tests:\n  - promql_expr_test:\n      - expr: up\n        exp_samples:\n          - value: high\n",
			`t.yml:5:20: value must be a number, not "high"`},
		{"tests:\n  - promql_expr_test:\n      - expr: up\n        exp_samples:\n          - value: '1'\n",
			`t.yml:5:20: value must be a number, not "1"`},
		{"tests:\n  input_series: []\n",
			"t.yml:2:3: tests must be a list, not a mapping"},
		{"rule_files: r.yaml\n",
			`t.yml:1:13: rule_files must be a list, not "r.yaml"`},
		{"fuzzy_compare: maybe\n",
			`t.yml:1:16: fuzzy_compare must be true or false, not "maybe"`},
		{"tests:\n  - start_timestamp: yesterday\n",
			`t.yml:2:22: start_timestamp must be an RFC 3339 time or Unix seconds, not "yesterday"`},
		{"tests:\n  - external_labels:\n      cluster: [a]\n",
			"t.yml:3:16: the value of cluster must be a string, not a list"},
		{"tests:\n  - alert_rule_test:\n      - exp_alerts:\n          - exp_labels: x\n",
			`t.yml:4:25: exp_labels must be a mapping, not "x"`},
		{"rule_files: []\nrule_files: []\n",
			"t.yml:2:1: rule_files is set twice"},
		{"tests:\n  - external_labels: {a: x, a: y}\n",
			"t.yml:2:29: a is set twice"},
	} {
		_, err := parseTestFile("t.yml", []byte(c.in))
		if err == nil {
			t.Errorf("%q: no error, want %s", c.in, c.want)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, err, c.want)
		}
		if goType.MatchString(err.Error()) {
			t.Errorf("%q: a Go type in %s", c.in, err)
		}
	}
}

var goType = regexp.MustCompile(`ruletest\.|model\.|labels\.|\bfloat64\b|map\[`)

// TestShapeAcceptsWhatDecodes checks that the shape check refuses no file
// the strict decoding takes: every test file of promtool's corpus and of
// ours, and spellings YAML 1.1 allows.
func TestShapeAcceptsWhatDecodes(t *testing.T) {
	var files []string
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/prometheus/prometheus").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	promtool := filepath.Join(strings.TrimSpace(string(out)), "cmd", "promtool", "testdata")
	for _, dir := range []string{promtool, "testdata"} {
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	decoded := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var tf testFile
		if yamlv2.UnmarshalStrict(data, &tf) != nil || len(tf.Tests) == 0 {
			continue // not a test file, or one the decoder refuses
		}
		decoded++
		if _, err := parseTestFile(f, data); err != nil {
			t.Errorf("%s: decodes, but: %v", f, err)
		}
	}
	if decoded < 20 {
		t.Errorf("only %d test files decoded of %d files", decoded, len(files))
	}
	for _, in := range []string{
		"fuzzy_compare: yes\n", "fuzzy_compare: Off\n", "tests:\n  - interval: 60s\n    name: 5\n",
		"tests:\n  - promql_expr_test:\n      - exp_samples:\n          - value: 1e3\n          - value: .inf\n          - value: 0x10\n",
		"tests:\n  - start_timestamp: 1700000000\n  - start_timestamp: '2026-01-02T03:04:05Z'\n",
		"tests:\n  - &g\n    interval: 1m\n  - *g\n", "tests: ~\n", "",
	} {
		var tf testFile
		if err := yamlv2.UnmarshalStrict([]byte(in), &tf); err != nil {
			t.Errorf("%q: the decoder refuses it: %v", in, err)
			continue
		}
		if _, err := parseTestFile("t.yml", []byte(in)); err != nil {
			t.Errorf("%q: decodes, but: %v", in, err)
		}
	}
}
