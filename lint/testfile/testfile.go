// Package testfile reads promtool unit-test files (rule_files, tests,
// input_series, alert_rule_test, promql_expr_test) with the position of
// every value, for the checks of test files. It reads what the checks look
// at; running the tests is package ruletest's.
package testfile

import (
	"errors"
	"path/filepath"
	"time"

	"github.com/prometheus/common/model"
	yaml "go.yaml.in/yaml/v4"

	"github.com/oomguard/oomguard/rules"
)

// File is a promtool unit-test file.
type File struct {
	Path string
	// RuleFiles are the rule_files entries, as written: paths or globs
	// relative to the test file's directory.
	RuleFiles          []Value
	EvaluationInterval time.Duration
	Groups             []Group
}

// Value is a string as written, with its position.
type Value struct {
	Text string
	Pos  rules.Pos
}

// Group is one entry of tests.
type Group struct {
	Pos      rules.Pos
	Name     string
	Interval time.Duration
	Series   []Series
	Alerts   []AlertTest
	Exprs    []ExprTest
}

// Series is one input series.
type Series struct {
	Series, Values Value
}

// AlertTest is one alert_rule_test.
type AlertTest struct {
	EvalTime  Duration
	Alertname Value
	// Expected is the number of exp_alerts.
	Expected int
}

// ExprTest is one promql_expr_test.
type ExprTest struct {
	Expr     Value
	EvalTime Duration
	Samples  []Value // the labels of each exp_samples entry
}

// Duration is a duration as written, with its value.
type Duration struct {
	Value
	D time.Duration
}

// Is reports whether data holds a promtool test file: a mapping with tests
// and no groups.
func Is(root *yaml.Node) bool {
	if root == nil || root.Kind != yaml.MappingNode {
		return false
	}
	has := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		has[root.Content[i].Value] = true
	}
	return has["tests"] && !has["groups"]
}

// Parse reads a test file. It reads leniently: a value of the wrong kind is
// left out, for the test runner reports those.
func Parse(path string, data []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("empty")
	}
	f := &File{Path: path, EvaluationInterval: time.Minute}
	root := resolve(doc.Content[0])
	// A group's interval defaults to evaluation_interval, wherever it is.
	each(root, func(k string, v *yaml.Node) {
		if d, ok := duration(v); ok && k == "evaluation_interval" && d.D > 0 {
			f.EvaluationInterval = d.D
		}
	})
	each(root, func(k string, v *yaml.Node) {
		switch k {
		case "rule_files":
			if v.Kind == yaml.SequenceNode {
				for _, item := range v.Content {
					if item = resolve(item); item.Kind == yaml.ScalarNode {
						f.RuleFiles = append(f.RuleFiles, value(item))
					}
				}
			}
		case "tests":
			if v.Kind == yaml.SequenceNode {
				for _, g := range v.Content {
					f.Groups = append(f.Groups, group(resolve(g), f.EvaluationInterval))
				}
			}
		}
	})
	return f, nil
}

// ResolveRuleFiles returns the files the rule_files entries name, as promtool
// resolves them (relative to the test file, globs expanded), and the
// entries that name none.
func (f *File) ResolveRuleFiles() (paths []string, missing []Value) {
	dir := filepath.Dir(f.Path)
	for _, rf := range f.RuleFiles {
		p := rf.Text
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		m, err := filepath.Glob(p)
		if err != nil || len(m) == 0 {
			missing = append(missing, rf)
			continue
		}
		paths = append(paths, m...)
	}
	return paths, missing
}

func group(n *yaml.Node, interval time.Duration) Group {
	g := Group{Pos: pos(n), Interval: interval}
	each(n, func(k string, v *yaml.Node) {
		switch k {
		case "name":
			g.Name = v.Value
		case "interval":
			if d, ok := duration(v); ok && d.D > 0 {
				g.Interval = d.D
			}
		case "input_series":
			items(v, func(s *yaml.Node) {
				var sr Series
				each(s, func(k string, v *yaml.Node) {
					switch k {
					case "series":
						sr.Series = value(v)
					case "values":
						sr.Values = value(v)
					}
				})
				g.Series = append(g.Series, sr)
			})
		case "alert_rule_test":
			items(v, func(t *yaml.Node) {
				var at AlertTest
				each(t, func(k string, v *yaml.Node) {
					switch k {
					case "eval_time":
						at.EvalTime, _ = duration(v)
					case "alertname":
						at.Alertname = value(v)
					case "exp_alerts":
						if v.Kind == yaml.SequenceNode {
							at.Expected = len(v.Content)
						}
					}
				})
				g.Alerts = append(g.Alerts, at)
			})
		case "promql_expr_test":
			items(v, func(t *yaml.Node) {
				var et ExprTest
				each(t, func(k string, v *yaml.Node) {
					switch k {
					case "expr":
						et.Expr = value(v)
					case "eval_time":
						et.EvalTime, _ = duration(v)
					case "exp_samples":
						items(v, func(s *yaml.Node) {
							each(s, func(k string, v *yaml.Node) {
								if k == "labels" {
									et.Samples = append(et.Samples, value(v))
								}
							})
						})
					}
				})
				g.Exprs = append(g.Exprs, et)
			})
		}
	})
	return g
}

func each(n *yaml.Node, fn func(k string, v *yaml.Node)) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i].Value, resolve(n.Content[i+1]))
	}
}

func items(n *yaml.Node, fn func(*yaml.Node)) {
	if n == nil || n.Kind != yaml.SequenceNode {
		return
	}
	for _, item := range n.Content {
		fn(resolve(item))
	}
}

func value(n *yaml.Node) Value { return Value{Text: n.Value, Pos: pos(n)} }

func duration(n *yaml.Node) (Duration, bool) {
	d, err := model.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return Duration{}, false
	}
	return Duration{Value: value(n), D: time.Duration(d)}, true
}

func pos(n *yaml.Node) rules.Pos { return rules.Pos{Line: n.Line, Col: n.Column} }

func resolve(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode && hops < 100; hops++ {
		n = n.Alias
	}
	return n
}
