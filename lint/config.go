package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	yaml "go.yaml.in/yaml/v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/oomguard/oomguard/lint/catalog"
	"github.com/oomguard/oomguard/rules"
)

// fileConfig is the lint section of .oomguard.yaml.
type fileConfig struct {
	Disable             []string          `yaml:"disable"`
	Enable              []string          `yaml:"enable"`
	Severity            map[string]string `yaml:"severity"`
	SeverityLabelValues []string          `yaml:"severityLabelValues"`
	RequiredAnnotations *[]string         `yaml:"requiredAnnotations"`
	// RuleSelector is the ruleSelector of the Prometheus that should load
	// the manifests: a label selector string (prometheus=k8s,role in
	// (alert-rules)) or the object of the Prometheus resource
	// ({matchLabels: ..., matchExpressions: ...}).
	RuleSelector yaml.Node `yaml:"ruleSelector"`
	// ScrapeInterval is Prometheus's scrape interval (30s); range windows
	// must cover MinScrapesPerWindow of them (4).
	ScrapeInterval      yaml.Node `yaml:"scrapeInterval"`
	MinScrapesPerWindow yaml.Node `yaml:"minScrapesPerWindow"`
	// MinFor is the shortest for of an alert (1m).
	MinFor yaml.Node `yaml:"minFor"`
	// EvaluationInterval is the global evaluation interval of the
	// Prometheus that runs the rules, for groups without an interval.
	EvaluationInterval yaml.Node `yaml:"evaluationInterval"`
	// Metrics adds entries to the metric catalog, or replaces them.
	Metrics yaml.Node `yaml:"metrics"`
	// Ignore suppresses findings by check, file glob, group and rule, for
	// rules that carry no comments (generated ones).
	Ignore yaml.Node `yaml:"ignore"`
	// Include and Exclude filter the files found in directories and globs
	// given as inputs.
	Include []string `yaml:"include"`
	Exclude []string `yaml:"exclude"`
}

// ignoreEntry is one entry of the ignore list, as written.
type ignoreEntry struct {
	Check  string   `yaml:"check"`
	Files  []string `yaml:"files"`
	Group  string   `yaml:"group"`
	Rule   string   `yaml:"rule"`
	Reason string   `yaml:"reason"`
}

// ConfigError is a lint configuration that cannot be used, at its
// position.
type ConfigError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *ConfigError) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// LoadConfig reads the lint section of an oomguard config file; known lists
// the check IDs, to refuse unknown ones. A missing file at the default path
// (required false) is the default configuration.
func LoadConfig(path string, required bool, known []string) (*Config, error) {
	cfg := DefaultConfig()
	data, err := os.ReadFile(path)
	if err != nil {
		if !required && errors.Is(err, os.ErrNotExist) {
			return cfg, nil
		}
		return nil, &ConfigError{File: path, Msg: err.Error()}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		var le *yaml.LoadError
		if errors.As(err, &le) {
			return nil, &ConfigError{File: path, Line: le.Mark.Line, Col: le.Mark.Column, Msg: "yaml: " + le.Message}
		}
		return nil, &ConfigError{File: path, Msg: err.Error()}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return cfg, nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "lint" {
			continue
		}
		node := root.Content[i+1]
		var fc fileConfig
		if err := node.Load(&fc, yaml.WithKnownFields()); err != nil {
			line, col := node.Line, node.Column
			var le *yaml.LoadError
			if errors.As(err, &le) && le.Mark.Line > 0 {
				line, col = le.Mark.Line, le.Mark.Column
			}
			return nil, &ConfigError{File: path, Line: line, Col: col, Msg: "lint: " + err.Error()}
		}
		at := func(msg string) error {
			return &ConfigError{File: path, Line: node.Line, Col: node.Column, Msg: "lint: " + msg}
		}
		check := func(id string) error {
			if !slices.Contains(known, id) {
				return at(fmt.Sprintf("unknown check %q", id))
			}
			return nil
		}
		cfg.Disabled = map[string]bool{}
		for _, id := range fc.Disable {
			if err := check(id); err != nil {
				return nil, err
			}
			cfg.Disabled[id] = true
		}
		if len(fc.Enable) > 0 {
			for _, id := range fc.Enable {
				if err := check(id); err != nil {
					return nil, err
				}
			}
			for _, id := range known {
				if !slices.Contains(fc.Enable, id) {
					cfg.Disabled[id] = true
				}
			}
		}
		cfg.Severity = map[string]Severity{}
		for id, s := range fc.Severity {
			if err := check(id); err != nil {
				return nil, err
			}
			sev, err := ParseSeverity(s)
			if err != nil {
				return nil, at(err.Error())
			}
			cfg.Severity[id] = sev
		}
		if len(fc.SeverityLabelValues) > 0 {
			cfg.SeverityLabelValues = fc.SeverityLabelValues
		}
		if fc.RequiredAnnotations != nil {
			cfg.RequiredAnnotations = *fc.RequiredAnnotations
		}
		if fc.RuleSelector.Kind != 0 {
			sel, text, err := ruleSelector(&fc.RuleSelector)
			if err != nil {
				return nil, &ConfigError{File: path, Line: fc.RuleSelector.Line, Col: fc.RuleSelector.Column, Msg: "lint: ruleSelector: " + err.Error()}
			}
			cfg.RuleSelector, cfg.RuleSelectorText = sel, text
		}
		nodeErr := func(n *yaml.Node, key, msg string) error {
			return &ConfigError{File: path, Line: n.Line, Col: n.Column, Msg: "lint: " + key + ": " + msg}
		}
		for _, d := range []struct {
			key  string
			node *yaml.Node
			to   *time.Duration
		}{{"scrapeInterval", &fc.ScrapeInterval, &cfg.ScrapeInterval}, {"minFor", &fc.MinFor, &cfg.MinFor},
			{"evaluationInterval", &fc.EvaluationInterval, &cfg.EvaluationInterval}} {
			if d.node.Kind == 0 {
				continue
			}
			v, err := model.ParseDuration(d.node.Value)
			if d.node.Kind != yaml.ScalarNode || err != nil {
				return nil, nodeErr(d.node, d.key, fmt.Sprintf("want a duration such as 30s, not %q", d.node.Value))
			}
			if (d.key == "scrapeInterval" || d.key == "evaluationInterval") && v == 0 {
				return nil, nodeErr(d.node, d.key, "must be above 0")
			}
			*d.to = time.Duration(v)
		}
		if n := &fc.MinScrapesPerWindow; n.Kind != 0 {
			v, err := strconv.Atoi(n.Value)
			if n.Kind != yaml.ScalarNode || err != nil || v < 1 {
				return nil, nodeErr(n, "minScrapesPerWindow", fmt.Sprintf("want a whole number above 0, not %q", n.Value))
			}
			cfg.MinScrapesPerWindow = v
		}
		if fc.Metrics.Kind != 0 {
			ms, err := catalog.Entries(&fc.Metrics)
			if err != nil {
				var ce *catalog.Error
				if errors.As(err, &ce) {
					return nil, &ConfigError{File: path, Line: ce.Line, Col: ce.Col, Msg: "lint: metrics: " + ce.Msg}
				}
				return nil, nodeErr(&fc.Metrics, "metrics", err.Error())
			}
			cfg.Metrics = cfg.Metrics.With(ms)
		}
		for _, l := range []struct {
			key   string
			globs []string
			to    *[]*regexp.Regexp
		}{{"include", fc.Include, &cfg.include}, {"exclude", fc.Exclude, &cfg.exclude}} {
			for _, g := range l.globs {
				re, err := globRegexp(g)
				if err != nil {
					return nil, &ConfigError{File: path, Line: node.Line, Col: node.Column, Msg: fmt.Sprintf("lint: %s: %q: %v", l.key, g, err)}
				}
				*l.to = append(*l.to, re)
			}
		}
		if n := &fc.Ignore; n.Kind != 0 {
			if n.Kind != yaml.SequenceNode {
				return nil, nodeErr(n, "ignore", "want a list of {check, files, group, rule, reason}")
			}
			for _, item := range n.Content {
				var e ignoreEntry
				if err := item.Load(&e, yaml.WithKnownFields()); err != nil {
					line, col := item.Line, item.Column
					var le *yaml.LoadError
					if errors.As(err, &le) && le.Mark.Line > 0 {
						line, col = le.Mark.Line, le.Mark.Column
					}
					return nil, &ConfigError{File: path, Line: line, Col: col, Msg: "lint: ignore: " + err.Error()}
				}
				switch {
				case e.Check == "":
					return nil, nodeErr(item, "ignore", "an entry needs the check it suppresses")
				case !slices.Contains(known, e.Check):
					return nil, nodeErr(item, "ignore", fmt.Sprintf("unknown check %q", e.Check))
				case strings.TrimSpace(e.Reason) == "":
					return nil, nodeErr(item, "ignore", "an entry needs a reason")
				case len(e.Files) == 0 && e.Group == "" && e.Rule == "":
					return nil, nodeErr(item, "ignore", "an entry needs files, a group or a rule: to turn a check off everywhere, disable it")
				}
				ig := Ignore{Check: e.Check, Group: e.Group, Rule: e.Rule, Reason: e.Reason, File: path, Pos: rules.Pos{Line: item.Line, Col: item.Column}}
				for _, g := range e.Files {
					re, err := globRegexp(g)
					if err != nil {
						return nil, nodeErr(item, "ignore", fmt.Sprintf("files: %q: %v", g, err))
					}
					ig.files = append(ig.files, re)
				}
				cfg.Ignores = append(cfg.Ignores, ig)
			}
		}
	}
	return cfg, nil
}

// Selects reports whether the include and exclude globs of the config let
// a file found in a directory or a glob be linted.
func (c *Config) Selects(path string) bool {
	p := filepath.ToSlash(filepath.Clean(path))
	match := func(res []*regexp.Regexp) bool {
		for _, re := range res {
			if re.MatchString(p) {
				return true
			}
		}
		return false
	}
	return (len(c.include) == 0 || match(c.include)) && !match(c.exclude)
}

// Ignore suppresses the findings of a check in files matching a glob, in
// a group, in a rule: what is given must all match.
type Ignore struct {
	Check, Group, Rule, Reason string
	// File and Pos are where the entry is written.
	File  string
	Pos   rules.Pos
	files []*regexp.Regexp
}

// matchesFile reports whether the entry names no files, or a glob of it
// matches path.
func (ig *Ignore) matchesFile(path string) bool {
	if len(ig.files) == 0 {
		return true
	}
	p := filepath.ToSlash(filepath.Clean(path))
	for _, re := range ig.files {
		if re.MatchString(p) {
			return true
		}
	}
	return false
}

// matches reports whether the entry covers a finding.
func (ig *Ignore) matches(d Diagnostic) bool {
	return ig.Check == d.Check && (ig.Group == "" || ig.Group == d.Group) && (ig.Rule == "" || ig.Rule == d.Rule) && ig.matchesFile(d.File)
}

// globRegexp turns a glob into a regexp over slash-separated paths: * and
// ? stay within a directory, ** crosses them. A relative glob may match
// below any directory (generated/*.yaml matches /repo/generated/a.yaml).
func globRegexp(g string) (*regexp.Regexp, error) {
	if g == "" {
		return nil, errors.New("empty glob")
	}
	g = filepath.ToSlash(g)
	var b strings.Builder
	if strings.HasPrefix(g, "/") {
		b.WriteString("^")
	} else {
		g = strings.TrimPrefix(g, "./")
		b.WriteString("(^|/)")
	}
	for i := 0; i < len(g); i++ {
		switch c := g[i]; {
		case c == '*' && i+1 < len(g) && g[i+1] == '*':
			b.WriteString(".*")
			i++
			if i+1 < len(g) && g[i+1] == '/' {
				// **/ also matches no directory at all.
				b.WriteString("/?")
				i++
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// ruleSelector reads a label selector written as a string or as the
// object of a Kubernetes resource.
func ruleSelector(n *yaml.Node) (labels.Selector, string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		sel, err := labels.Parse(n.Value)
		if err != nil {
			return nil, "", err
		}
		return sel, sel.String(), nil
	case yaml.MappingNode:
		var raw any
		if err := n.Load(&raw); err != nil {
			return nil, "", err
		}
		j, err := json.Marshal(raw)
		if err != nil {
			return nil, "", err
		}
		var ls metav1.LabelSelector
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ls); err != nil {
			return nil, "", fmt.Errorf("want matchLabels and matchExpressions: %v", err)
		}
		sel, err := metav1.LabelSelectorAsSelector(&ls)
		if err != nil {
			return nil, "", err
		}
		return sel, sel.String(), nil
	}
	return nil, "", errors.New("want a label selector string or an object with matchLabels and matchExpressions")
}
