package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	yaml "go.yaml.in/yaml/v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/oomguard/oomguard/lint/catalog"
	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// lintKeys are the settings of the lint section.
var lintKeys = []string{
	"disable", "enable", "policy", "severity", "severityLabelValues", "requiredAnnotations", "alertNamePattern", "recordNamePattern", "ruleSelector",
	"scrapeInterval", "minScrapesPerWindow", "minFor", "evaluationInterval", "metrics", "ignore", "include", "exclude", "scopes", "budgets",
	"backtest",
}

// backtestKeys are the keys of the lint section's backtest.
var backtestKeys = []string{"range", "maxFirings", "maxSeries"}

// budgetKeys are the keys of the lint section's budgets.
var budgetKeys = []string{"labelAlternatives", "regexpStates", "regexpBytes", "duplicateComparisons"}

// scopeKeys are the keys of an entry of the lint section's scopes.
var scopeKeys = []string{"name", "files"}

// ignoreKeys are the keys of an entry of the lint section's ignore list.
var ignoreKeys = []string{"check", "files", "group", "rule", "reason"}

// lint reads the lint section, n, into cfg.
func (r *reader) lint(cfg *engine.Config, n *yaml.Node) error {
	if isNull(n) {
		return nil
	}
	pairs, err := r.mapping(n, "lint", lintKeys)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	policy := map[string]bool{}
	var ids []string
	for _, c := range checks.All() {
		known[c.ID] = true
		policy[c.ID] = c.Policy
		ids = append(ids, c.ID)
	}
	checkIDs := func(key string, v *yaml.Node) ([]string, error) {
		list, nodes, err := r.strings(v, "lint: "+key, "check IDs")
		if err != nil {
			return nil, err
		}
		for i, id := range list {
			if !known[id] {
				return nil, r.errorf(nodes[i], "lint: unknown check %q", id)
			}
		}
		return list, nil
	}
	cfg.Disabled = map[string]bool{}
	cfg.Enabled = map[string]bool{}
	cfg.Severity = map[string]engine.Severity{}
	var enable []string
	for _, p := range pairs {
		k, v := p.key.Value, p.value
		switch k {
		case "disable":
			list, err := checkIDs(k, v)
			if err != nil {
				return err
			}
			for _, id := range list {
				cfg.Disabled[id] = true
			}
		case "enable":
			if enable, err = checkIDs(k, v); err != nil {
				return err
			}
		case "policy":
			list, nodes, err := r.strings(v, "lint: "+k, "policy check IDs")
			if err != nil {
				return err
			}
			for i, id := range list {
				switch {
				case !known[id]:
					return r.errorf(nodes[i], "lint: unknown check %q", id)
				case !policy[id]:
					return r.errorf(nodes[i], "lint: policy: %s is not a policy check: it runs unless disabled", id)
				}
				cfg.Enabled[id] = true
			}
		case "severity":
			if isNull(v) {
				continue
			}
			if v.Kind != yaml.MappingNode {
				return r.errorf(v, "lint: severity: want a mapping of check IDs to severities, not %s", kindName(v))
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				id, s := v.Content[i], resolve(v.Content[i+1])
				if !known[id.Value] {
					return r.errorf(id, "lint: unknown check %q", id.Value)
				}
				sev, err := engine.ParseSeverity(s.Value)
				if s.Kind != yaml.ScalarNode || err != nil {
					return r.errorf(s, "lint: severity: %s: want info, warning or error, not %s", id.Value, kindName(s))
				}
				cfg.Severity[id.Value] = sev
			}
		case "severityLabelValues":
			list, _, err := r.strings(v, "lint: "+k, "values")
			if err != nil {
				return err
			}
			if len(list) > 0 {
				cfg.SeverityLabelValues = list
				cfg.Enabled["labels/severity-value"] = true
			}
		case "requiredAnnotations":
			list, _, err := r.strings(v, "lint: "+k, "annotation names")
			if err != nil {
				return err
			}
			if !isNull(v) {
				cfg.RequiredAnnotations = list
				cfg.Enabled["annotations/required"] = true
			}
		case "alertNamePattern", "recordNamePattern":
			if isNull(v) {
				continue
			}
			re, err := regexp.Compile("^(?:" + v.Value + ")$")
			if v.Kind != yaml.ScalarNode || err != nil {
				return r.errorf(v, "lint: %s: want a regular expression, not %s", k, kindName(v))
			}
			if k == "alertNamePattern" {
				cfg.AlertNames = re
				cfg.Enabled["identity/alert-name"] = true
			} else {
				cfg.RecordNames = re
				cfg.Enabled["identity/record-name-form"] = true
			}
		case "ruleSelector":
			if isNull(v) {
				continue
			}
			sel, text, err := ruleSelector(v)
			if err != nil {
				return r.errorf(v, "lint: ruleSelector: %v", err)
			}
			cfg.RuleSelector, cfg.RuleSelectorText = sel, text
		case "scrapeInterval", "minFor", "evaluationInterval":
			if isNull(v) {
				continue
			}
			d, err := model.ParseDuration(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil {
				return r.errorf(v, "lint: %s: want a duration such as 30s, not %s", k, kindName(v))
			}
			if k != "minFor" && d == 0 {
				return r.errorf(v, "lint: %s: must be above 0", k)
			}
			switch k {
			case "scrapeInterval":
				cfg.ScrapeInterval, cfg.ScrapeIntervalSet = time.Duration(d), true
			case "minFor":
				cfg.MinFor = time.Duration(d)
				cfg.Enabled["alerts/short-for"] = d > 0
			case "evaluationInterval":
				cfg.EvaluationInterval = time.Duration(d)
			}
		case "minScrapesPerWindow":
			if isNull(v) {
				continue
			}
			n, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil || n < 1 {
				return r.errorf(v, "lint: minScrapesPerWindow: want a whole number above 0, not %s", kindName(v))
			}
			cfg.MinScrapesPerWindow = n
		case "budgets":
			if isNull(v) {
				continue
			}
			bs, err := r.mapping(v, "lint: budgets", budgetKeys)
			if err != nil {
				return err
			}
			for _, b := range bs {
				n, err := strconv.Atoi(b.value.Value)
				if b.value.Kind != yaml.ScalarNode || err != nil || n < 1 {
					return r.errorf(b.value, "lint: budgets: %s: want a whole number above 0, not %s", b.key.Value, kindName(b.value))
				}
				switch b.key.Value {
				case "labelAlternatives":
					cfg.Budgets.Alternatives = n
				case "regexpStates":
					cfg.Budgets.RegexpStates = n
				case "regexpBytes":
					cfg.Budgets.RegexpBytes = n
				case "duplicateComparisons":
					cfg.DuplicateComparisons = n
				}
			}
		case "metrics":
			if isNull(v) {
				continue
			}
			ms, err := catalog.Entries(v)
			if err != nil {
				var ce *catalog.Error
				if errors.As(err, &ce) {
					return &Error{File: r.file, Line: ce.Line, Col: ce.Col, Msg: "lint: metrics: " + ce.Msg}
				}
				return r.errorf(v, "lint: metrics: %v", err)
			}
			cfg.Metrics = cfg.Metrics.With(ms)
		case "include", "exclude":
			list, nodes, err := r.strings(v, "lint: "+k, "globs")
			if err != nil {
				return err
			}
			for i, g := range list {
				glob, err := engine.ParseGlob(g)
				if err != nil {
					return r.errorf(nodes[i], "lint: %s: %q: %v", k, g, err)
				}
				if k == "include" {
					cfg.Include = append(cfg.Include, glob)
				} else {
					cfg.Exclude = append(cfg.Exclude, glob)
				}
			}
		case "backtest":
			if isNull(v) {
				continue
			}
			bs, err := r.mapping(v, "lint: backtest", backtestKeys)
			if err != nil {
				return err
			}
			for _, b := range bs {
				if b.key.Value == "range" {
					d, err := model.ParseDuration(b.value.Value)
					if b.value.Kind != yaml.ScalarNode || err != nil || d <= 0 {
						return r.errorf(b.value, "lint: backtest: range: want a duration above 0 such as 7d, not %s", kindName(b.value))
					}
					cfg.Backtest.Range = time.Duration(d)
					continue
				}
				n, err := strconv.Atoi(b.value.Value)
				if b.value.Kind != yaml.ScalarNode || err != nil || n < 0 {
					return r.errorf(b.value, "lint: backtest: %s: want a whole number, not %s", b.key.Value, kindName(b.value))
				}
				if b.key.Value == "maxFirings" {
					cfg.Backtest.MaxFirings = n
				} else {
					cfg.Backtest.MaxSeries = n
				}
			}
		case "ignore":
			if err := r.ignores(cfg, v, known); err != nil {
				return err
			}
		case "scopes":
			if err := r.scopes(cfg, v); err != nil {
				return err
			}
		}
	}
	if len(enable) > 0 {
		for _, id := range ids {
			if !contains(enable, id) {
				cfg.Disabled[id] = true
			}
		}
		for _, id := range enable {
			cfg.Enabled[id] = true
		}
	}
	return nil
}

// ignores reads the lint section's ignore list, n.
func (r *reader) ignores(cfg *engine.Config, n *yaml.Node, known map[string]bool) error {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return r.errorf(n, "lint: ignore: want a list of {%s}, not %s", strings.Join(ignoreKeys, ", "), kindName(n))
	}
	for _, item := range n.Content {
		item = resolve(item)
		pairs, err := r.mapping(item, "lint: ignore", ignoreKeys)
		if err != nil {
			return err
		}
		ig := engine.Ignore{File: r.file, Pos: rules.Pos{Line: item.Line, Col: item.Column}}
		var files []string
		var fileNodes []*yaml.Node
		for _, p := range pairs {
			v := p.value
			if p.key.Value == "files" {
				if files, fileNodes, err = r.strings(v, "lint: ignore: files", "globs"); err != nil {
					return err
				}
				continue
			}
			if !isNull(v) && v.Kind != yaml.ScalarNode {
				return r.errorf(v, "lint: ignore: %s: want a string, not %s", p.key.Value, kindName(v))
			}
			switch p.key.Value {
			case "check":
				ig.Check = v.Value
			case "group":
				ig.Group = v.Value
			case "rule":
				ig.Rule = v.Value
			case "reason":
				ig.Reason = v.Value
			}
		}
		switch {
		case ig.Check == "":
			return r.errorf(item, "lint: ignore: an entry needs the check it suppresses")
		case !known[ig.Check]:
			return r.errorf(item, "lint: ignore: unknown check %q", ig.Check)
		case strings.TrimSpace(ig.Reason) == "":
			return r.errorf(item, "lint: ignore: an entry needs a reason")
		case len(files) == 0 && ig.Group == "" && ig.Rule == "":
			return r.errorf(item, "lint: ignore: an entry needs files, a group or a rule: to turn a check off everywhere, disable it")
		}
		for i, g := range files {
			glob, err := engine.ParseGlob(g)
			if err != nil {
				return r.errorf(fileNodes[i], "lint: ignore: files: %q: %v", g, err)
			}
			ig.Files = append(ig.Files, glob)
		}
		cfg.Ignores = append(cfg.Ignores, ig)
	}
	return nil
}

// scopes reads the lint section's scopes, n: a list of {name, files}.
func (r *reader) scopes(cfg *engine.Config, n *yaml.Node) error {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return r.errorf(n, "lint: scopes: want a list of {name, files}, not %s", kindName(n))
	}
	names := map[string]bool{}
	for _, item := range n.Content {
		item = resolve(item)
		pairs, err := r.mapping(item, "lint: scopes", scopeKeys)
		if err != nil {
			return err
		}
		var sc engine.Scope
		var globs []string
		var nodes []*yaml.Node
		for _, p := range pairs {
			switch p.key.Value {
			case "name":
				if p.value.Kind != yaml.ScalarNode || isNull(p.value) {
					return r.errorf(p.value, "lint: scopes: name: want a string, not %s", kindName(p.value))
				}
				sc.Name = p.value.Value
			case "files":
				if globs, nodes, err = r.strings(p.value, "lint: scopes: files", "globs"); err != nil {
					return err
				}
			}
		}
		switch {
		case sc.Name == "":
			return r.errorf(item, "lint: scopes: a scope needs a name")
		case names[sc.Name]:
			return r.errorf(item, "lint: scopes: %q is named twice", sc.Name)
		case len(globs) == 0:
			return r.errorf(item, "lint: scopes: scope %q needs files: the globs of the files one Prometheus loads", sc.Name)
		}
		names[sc.Name] = true
		for i, g := range globs {
			glob, err := engine.ParseGlob(g)
			if err != nil {
				return r.errorf(nodes[i], "lint: scopes: files: %q: %v", g, err)
			}
			sc.Files = append(sc.Files, glob)
		}
		cfg.Scopes = append(cfg.Scopes, sc)
	}
	return nil
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
