package ruletest

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	yamlv2 "go.yaml.in/yaml/v2"
	yaml "go.yaml.in/yaml/v4"
)

// testFile is a promtool unit-test file.
type testFile struct {
	RuleFiles          []string       `yaml:"rule_files"`
	EvaluationInterval model.Duration `yaml:"evaluation_interval,omitempty"`
	GroupEvalOrder     []string       `yaml:"group_eval_order"`
	Tests              []testGroup    `yaml:"tests"`
	FuzzyCompare       bool           `yaml:"fuzzy_compare,omitempty"`
}

// testGroup is a group of input series and the assertions on them.
type testGroup struct {
	Interval        model.Duration   `yaml:"interval"`
	InputSeries     []series         `yaml:"input_series"`
	AlertRuleTests  []alertTestCase  `yaml:"alert_rule_test,omitempty"`
	PromqlExprTests []promqlTestCase `yaml:"promql_expr_test,omitempty"`
	ExternalLabels  labels.Labels    `yaml:"external_labels,omitempty"`
	ExternalURL     string           `yaml:"external_url,omitempty"`
	Name            string           `yaml:"name,omitempty"`
	StartTimestamp  startTimestamp   `yaml:"start_timestamp,omitempty"`
}

type series struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertTestCase struct {
	EvalTime  model.Duration `yaml:"eval_time"`
	Alertname string         `yaml:"alertname"`
	ExpAlerts []expAlert     `yaml:"exp_alerts"`
}

type expAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

type promqlTestCase struct {
	Expr       string         `yaml:"expr"`
	EvalTime   model.Duration `yaml:"eval_time"`
	ExpSamples []expSample    `yaml:"exp_samples"`
	// Tolerance allows an absolute difference between expected and got
	// values (oomguard only).
	Tolerance float64 `yaml:"tolerance,omitempty"`
	// RelativeTolerance allows a difference relative to the expected
	// value (oomguard only).
	RelativeTolerance float64 `yaml:"relative_tolerance,omitempty"`
}

type expSample struct {
	Labels    string  `yaml:"labels"`
	Value     float64 `yaml:"value"`
	Histogram string  `yaml:"histogram"` // when set, Value is ignored
}

// startTimestamp is an RFC 3339 time or a Unix timestamp in seconds.
type startTimestamp struct {
	time.Time
}

func (t *startTimestamp) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	parsed, err := parseTime(s)
	if err != nil {
		return err
	}
	t.Time = parsed
	return nil
}

func parseTime(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*float64(time.Second))).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
}

// goTypeOf is how the decoder names a Go type in its errors.
var goTypeOf = regexp.MustCompile(` (in type|into) [][*\w.]+`)

// parseTestFile reads a test file. Syntax errors are located by line and
// column; the structure is then decoded as strictly as promtool decodes it
// (unknown and duplicate keys are errors), with the same YAML library.
func parseTestFile(name string, data []byte) (*testFile, error) {
	loader, err := yaml.NewLoader(bytes.NewReader(data))
	var first *yaml.Node
	if err == nil {
		for {
			var n yaml.Node
			err = loader.Load(&n)
			if err != nil {
				break
			}
			if first == nil {
				first = &n
			}
		}
	}
	var le *yaml.LoadError
	if errors.As(err, &le) {
		return nil, fmt.Errorf("%s:%d:%d: yaml: %s", name, le.Mark.Line, le.Mark.Column, strings.TrimSpace(le.Message))
	}
	if e := checkShape(first); e != nil {
		return nil, fmt.Errorf("%s:%d:%d: %s", name, e.line, e.col, e.msg)
	}
	var tf testFile
	if err := yamlv2.UnmarshalStrict(data, &tf); err != nil {
		// What the shape check lets through: the decoder's first
		// "line N: ..." as file:N, without the Go type it names.
		var te *yamlv2.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			if rest, ok := strings.CutPrefix(te.Errors[0], "line "); ok {
				return nil, fmt.Errorf("%s:%s", name, goTypeOf.ReplaceAllString(rest, ""))
			}
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &tf, nil
}
