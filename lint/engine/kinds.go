package engine

import (
	"bytes"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v4"

	"github.com/oomguard/oomguard/lint/testfile"
	"github.com/oomguard/oomguard/rules"
)

// inputKind is what a YAML file in a repository is, as lint takes it.
type inputKind int

const (
	kindRules          inputKind = iota // rule files and PrometheusRule manifests, and anything else
	kindTest                            // a promtool unit-test file
	kindPrometheusConf                  // a Prometheus configuration (prometheus.yml)
	kindHelmValues                      // the values of a Helm chart
	kindOther                           // other YAML: Kubernetes objects of other kinds, CI and compose files
)

// topKey is a key at the start of a line, outside any block: a key of a
// document's top-level mapping.
var topKey = regexp.MustCompile(`^("[^"]*"|'[^']*'|[A-Za-z_][A-Za-z0-9_.-]*)\s*:(\s|$)`)

// kindOf tells what a file is by the keys of its top-level mappings: rule
// files have groups (PrometheusRules apiVersion and kind), unit-test files
// tests, Prometheus configurations their own sections. A values file of a
// Helm chart has no keys of its own, and is told by its name. What cannot be
// read is for the loader, which says what is wrong with it.
//
// A file a directory or a glob found (not named) is other YAML when it
// cannot hold rules: its documents are all Kubernetes objects of kinds that
// hold none (Deployment, Kustomization), or it is a sequence, or a mapping
// none of whose keys speaks of groups or rules (a compose file). A kind or a
// key that looks like a misspelling of the rules' (PrometheusRules,
// group:), or a groups: key anywhere (rules in a ConfigMap's data), keeps
// the file a rule file, so that the loader reports it.
func kindOf(path string, named bool, maxSize int64) inputKind {
	if path == "-" {
		return kindRules
	}
	if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
		return kindRules
	}
	keys := map[string]bool{}
	var kinds []string
	sequence, nested, rulesSeen := false, false, false
	// Read a line at a time: a rule file says so on one of its first lines
	// (groups:, or a PrometheusRule's apiVersion and kind before its
	// groups), and is not read further here.
	err := rules.ReadLines(path, maxSize, func(line []byte) bool {
		if bytes.HasPrefix(line, []byte("- ")) || bytes.Equal(bytes.TrimRight(line, " \t\r"), []byte("-")) {
			sequence = true
		}
		if t := bytes.TrimLeft(line, " \t-"); bytes.HasPrefix(t, []byte("groups:")) || bytes.HasPrefix(t, []byte(`"groups":`)) {
			// Rules nested in something else (a PrometheusRule's spec, a
			// ConfigMap's data, a List): the loader says what it makes of
			// them. A Kubernetes object, the common case: no need to read
			// on.
			if keys["apiVersion"] || keys["kind"] {
				rulesSeen = true
				return false
			}
			nested = true
		}
		m := topKey.FindSubmatch(line)
		if m == nil {
			return true
		}
		k := strings.Trim(string(m[1]), `"'`)
		if k == "groups" {
			// A rule file, the common case: no need to read on.
			rulesSeen = true
			return false
		}
		if k == "kind" {
			v := strings.TrimSpace(string(line[len(m[0]):]))
			if i := strings.Index(v, " #"); i >= 0 {
				v = v[:i]
			}
			kinds = append(kinds, strings.Trim(strings.TrimSpace(v), `"'`))
		}
		keys[k] = true
		return true
	})
	if err != nil || rulesSeen {
		return kindRules
	}
	switch {
	case keys["apiVersion"] || keys["kind"]:
		if named || nested || len(kinds) == 0 {
			return kindRules
		}
		for _, k := range kinds {
			if mayHoldRules(k) {
				return kindRules
			}
		}
		return kindOther
	case keys["tests"]:
		return kindTest
	case keys["scrape_configs"] || keys["global"] || keys["alerting"] || keys["remote_write"] || keys["rule_files"]:
		return kindPrometheusConf
	case isHelmValues(filepath.Base(path)):
		return kindHelmValues
	case named || nested:
		return kindRules
	case len(keys) == 0:
		if sequence {
			return kindOther
		}
		return kindRules // empty, or a scalar: the loader says which
	}
	for k := range keys {
		if l := strings.ToLower(k); strings.Contains(l, "group") || strings.Contains(l, "rule") {
			return kindRules
		}
	}
	return kindOther
}

// kindAt returns the value of a "kind:" key on a line, or "".
func kindAt(line []byte) string {
	_, v, ok := strings.Cut(string(line), "kind:")
	if !ok {
		return ""
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	return strings.Trim(strings.TrimSpace(v), `"'`)
}

// docHasGroups reports whether the YAML document of f around line n has a
// groups: key (rules in a ConfigMap's data, say).
func docHasGroups(f *rules.File, n int) bool {
	for i := n; i <= f.LineCount(); i++ {
		line := f.Line(i)
		if i > n && bytes.HasPrefix(line, []byte("---")) {
			return false
		}
		if t := bytes.TrimLeft(line, " \t-"); bytes.HasPrefix(t, []byte("groups:")) || bytes.HasPrefix(t, []byte(`"groups":`)) {
			return true
		}
	}
	return false
}

// mayHoldRules reports whether a Kubernetes kind holds rules, or may be
// meant to: PrometheusRule, a List, or a name that looks like a
// misspelling of PrometheusRule (PrometheusRules, prometheusrule).
func mayHoldRules(kind string) bool {
	l := strings.ToLower(kind)
	return kind == "" || strings.HasSuffix(l, "list") || strings.Contains(l, "rule") || strings.Contains(l, "prometheusr")
}

// isHelmValues reports whether a file name is a Helm chart's values file:
// values.yaml, values-prod.yaml, values.prod.yml.
func isHelmValues(name string) bool {
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".yml")
	return name == "values" || strings.HasPrefix(name, "values-") || strings.HasPrefix(name, "values.") || strings.HasPrefix(name, "values_")
}

// ruleFilesOf returns the files the rule_files globs of a Prometheus
// configuration name, relative to its directory as Prometheus resolves
// them, as absolute paths.
func ruleFilesOf(path string, maxSize int64) []string {
	data, err := rules.ReadRegular(path, maxSize)
	if err != nil {
		return nil
	}
	var conf struct {
		RuleFiles []string `yaml:"rule_files"`
	}
	if yaml.Unmarshal(data, &conf) != nil {
		return nil
	}
	var out []string
	for _, g := range conf.RuleFiles {
		if !filepath.IsAbs(g) {
			g = filepath.Join(filepath.Dir(path), g)
		}
		m, _ := filepath.Glob(g)
		out = append(out, m...)
	}
	return absPaths(out)
}

func absPaths(paths []string) []string {
	var out []string
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			out = append(out, abs)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// testInput is a unit-test file with the rule files it reads.
type testInput struct {
	file    *testfile.File
	rules   []string // absolute
	missing []testfile.Value
}

// readTest reads a unit-test file; errors are load errors at their
// position.
func readTest(path string, maxSize int64) (*testInput, rules.ErrorList) {
	data, err := rules.ReadRegular(path, maxSize)
	if err != nil {
		return nil, rules.ErrorList{{File: path, Pos: rules.Pos{Line: 1, Col: 1}, Msg: err.Error()}}
	}
	f, err := testfile.Parse(path, data)
	if err != nil {
		e := &rules.Error{File: path, Pos: rules.Pos{Line: 1, Col: 1}, Msg: "unit-test file: " + err.Error()}
		var le *yaml.LoadError
		if errors.As(err, &le) {
			e.Pos, e.Msg = rules.Pos{Line: le.Mark.Line, Col: le.Mark.Column}, "unit-test file: yaml: "+le.Message
		}
		return nil, rules.ErrorList{e}
	}
	paths, missing := f.ResolveRuleFiles()
	return &testInput{file: f, rules: absPaths(paths), missing: missing}, nil
}

// testScope is the scope of the rule files a unit-test file reads: shared
// with the files of no scope, unless they all are in the test file's
// directory, or below it, where a copy made for the tests is kept
// (generate --tests writes one, OpenShift keeps one in test/rules).
func testScope(t *testInput) Scope {
	dir, err := filepath.Abs(filepath.Dir(t.file.Path))
	shared := err != nil
	for _, p := range t.rules {
		if !strings.HasPrefix(p, dir+string(filepath.Separator)) {
			shared = true
		}
	}
	return Scope{Name: "tests of " + t.file.Path, Paths: t.rules, Shared: shared}
}
