package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	yamlv2 "go.yaml.in/yaml/v2"
	yaml "go.yaml.in/yaml/v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Encoding is the syntax a writer emits.
type Encoding string

const (
	// YAML is block-style YAML with two-space indentation.
	YAML Encoding = "yaml"
	// JSON is indented JSON.
	JSON Encoding = "json"
)

// WriteOptions control the writers.
type WriteOptions struct {
	Encoding Encoding
	// Thanos keeps partial_response_strategy in plain rule files.
	Thanos bool
}

// ObjectMeta is what a PrometheusRule's metadata is made of.
type ObjectMeta struct {
	Name        string
	Namespace   string
	Labels      map[string]string
	Annotations map[string]string
}

// ruleFileOut is a plain rule file as written: field order is the order of
// Prometheus's documentation.
type ruleFileOut struct {
	Groups []groupOut `json:"groups"`
}

type groupOut struct {
	Name                    string            `json:"name"`
	Interval                string            `json:"interval,omitempty"`
	QueryOffset             string            `json:"query_offset,omitempty"`
	Limit                   *int              `json:"limit,omitempty"`
	Labels                  map[string]string `json:"labels,omitempty"`
	PartialResponseStrategy string            `json:"partial_response_strategy,omitempty"`
	Rules                   []ruleOut         `json:"rules"`
}

type ruleOut struct {
	Record        string            `json:"record,omitempty"`
	Alert         string            `json:"alert,omitempty"`
	Expr          string            `json:"expr"`
	For           string            `json:"for,omitempty"`
	KeepFiringFor string            `json:"keep_firing_for,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// WriteRuleFile writes groups as a plain Prometheus rule file.
// partial_response_strategy is written only with opts.Thanos.
func WriteRuleFile(w io.Writer, groups []*Group, opts WriteOptions) error {
	out := ruleFileOut{Groups: make([]groupOut, 0, len(groups))}
	for _, g := range groups {
		og := groupOut{
			Name:        g.Name.Value,
			Interval:    g.Interval.Value,
			QueryOffset: g.QueryOffset.Value,
			Labels:      g.Labels.Strings(),
			Rules:       make([]ruleOut, 0, len(g.Rules)),
		}
		if g.Limit.Present && g.Limit.Value != "" {
			n := g.Limit.N
			og.Limit = &n
		}
		if opts.Thanos {
			og.PartialResponseStrategy = g.PartialResponseStrategy.Value
		}
		for _, r := range g.Rules {
			og.Rules = append(og.Rules, ruleOut{
				Record:        r.Record.Value,
				Alert:         r.Alert.Value,
				Expr:          r.Expr.Value,
				For:           r.For.Value,
				KeepFiringFor: r.KeepFiringFor.Value,
				Labels:        r.Labels.Strings(),
				Annotations:   r.Annotations.Strings(),
			})
		}
		out.Groups = append(out.Groups, og)
	}
	return encode(w, out, opts.Encoding)
}

// PrometheusRule builds the typed PrometheusRule that holds groups.
func PrometheusRule(meta ObjectMeta, groups []*Group) *monitoringv1.PrometheusRule {
	pr := &monitoringv1.PrometheusRule{
		TypeMeta: metav1.TypeMeta{APIVersion: prometheusRuleAPIVersion, Kind: monitoringv1.PrometheusRuleKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:        meta.Name,
			Namespace:   meta.Namespace,
			Labels:      meta.Labels,
			Annotations: meta.Annotations,
		},
	}
	pr.Spec.Groups = make([]monitoringv1.RuleGroup, 0, len(groups))
	for _, g := range groups {
		tg := monitoringv1.RuleGroup{
			Name:                    g.Name.Value,
			Labels:                  g.Labels.Strings(),
			Interval:                durationPtr(g.Interval),
			QueryOffset:             durationPtr(g.QueryOffset),
			PartialResponseStrategy: g.PartialResponseStrategy.Value,
		}
		if g.Limit.Present && g.Limit.Value != "" {
			n := g.Limit.N
			tg.Limit = &n
		}
		for _, r := range g.Rules {
			tr := monitoringv1.Rule{
				Record:      r.Record.Value,
				Alert:       r.Alert.Value,
				Expr:        intstr.FromString(r.Expr.Value),
				For:         durationPtr(r.For),
				Labels:      r.Labels.Strings(),
				Annotations: r.Annotations.Strings(),
			}
			if r.KeepFiringFor.Value != "" {
				v := monitoringv1.NonEmptyDuration(r.KeepFiringFor.Value)
				tr.KeepFiringFor = &v
			}
			tg.Rules = append(tg.Rules, tr)
		}
		pr.Spec.Groups = append(pr.Spec.Groups, tg)
	}
	return pr
}

func durationPtr(d Duration) *monitoringv1.Duration {
	if d.Value == "" {
		return nil
	}
	v := monitoringv1.Duration(d.Value)
	return &v
}

// WritePrometheusRules writes PrometheusRule objects: YAML documents
// separated by ---, or, in JSON, one object or a List of several.
func WritePrometheusRules(w io.Writer, prs []*monitoringv1.PrometheusRule, enc Encoding) error {
	objs := make([]prometheusRuleOut, len(prs))
	for i, pr := range prs {
		objs[i] = prometheusRuleOut{APIVersion: pr.APIVersion, Kind: pr.Kind, Metadata: pr.ObjectMeta, Spec: pr.Spec}
	}
	if enc == JSON {
		if len(objs) == 1 {
			return encode(w, objs[0], enc)
		}
		list := struct {
			APIVersion string              `json:"apiVersion"`
			Kind       string              `json:"kind"`
			Items      []prometheusRuleOut `json:"items"`
		}{"v1", "List", objs}
		return encode(w, list, enc)
	}
	for i, obj := range objs {
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if err := encode(w, obj, enc); err != nil {
			return err
		}
	}
	return nil
}

// prometheusRuleOut is a PrometheusRule with apiVersion and kind first, as
// manifests are written by hand and by kubectl.
type prometheusRuleOut struct {
	APIVersion string                          `json:"apiVersion"`
	Kind       string                          `json:"kind"`
	Metadata   metav1.ObjectMeta               `json:"metadata"`
	Spec       monitoringv1.PrometheusRuleSpec `json:"spec"`
}

// encode writes v as indented JSON, or as YAML, with the key order of the
// JSON encoding: fields in declaration order, map keys sorted.
func encode(w io.Writer, v any, enc Encoding) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	node, err := jsonToNode(json.NewDecoder(bytes.NewReader(raw)))
	if err != nil {
		return err
	}
	var out bytes.Buffer
	switch enc {
	case JSON:
		if err := writeJSON(&out, node, ""); err != nil {
			return err
		}
		out.WriteByte('\n')
	case YAML, "":
		dumper, err := yaml.NewDumper(&out, yaml.WithIndent(2), yaml.WithCompactSeqIndent(false), yaml.WithLineWidth(-1))
		if err != nil {
			return err
		}
		if err := dumper.Dump(node); err != nil {
			return err
		}
		if err := dumper.Close(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown encoding %q", enc)
	}
	_, err = w.Write(out.Bytes())
	return err
}

// writeJSON writes a node tree made by jsonToNode as indented JSON. Unlike
// encoding/json it leaves <, > and & alone: PromQL is full of them.
func writeJSON(b *bytes.Buffer, n *yaml.Node, indent string) error {
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		open, close := byte('{'), byte('}')
		if n.Kind == yaml.SequenceNode {
			open, close = '[', ']'
		}
		b.WriteByte(open)
		if len(n.Content) == 0 {
			b.WriteByte(close)
			return nil
		}
		inner := indent + "  "
		step := 1
		if n.Kind == yaml.MappingNode {
			step = 2
		}
		for i := 0; i < len(n.Content); i += step {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("\n" + inner)
			if step == 2 {
				writeJSONString(b, n.Content[i].Value)
				b.WriteString(": ")
			}
			if err := writeJSON(b, n.Content[i+step-1], inner); err != nil {
				return err
			}
		}
		b.WriteString("\n" + indent)
		b.WriteByte(close)
	case yaml.ScalarNode:
		if n.Tag == "!!str" {
			writeJSONString(b, n.Value)
		} else {
			b.WriteString(n.Value)
		}
	default:
		return fmt.Errorf("unexpected node kind %v", n.Kind)
	}
	return nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	e := json.NewEncoder(b)
	e.SetEscapeHTML(false)
	_ = e.Encode(s)         // a string always encodes
	b.Truncate(b.Len() - 1) // Encode adds a newline
}

// jsonToNode reads one JSON value from dec as a YAML node tree, keeping
// the order of object keys and choosing for each string a style that every
// YAML reader, YAML 1.1 ones included, reads back as the same string.
func jsonToNode(dec *json.Decoder) (*yaml.Node, error) {
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := jsonToNode(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, stringNode(k.(string)), v)
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for dec.More() {
				v, err := jsonToNode(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, v)
			}
			_, err := dec.Token()
			return n, err
		}
	case string:
		return stringNode(t), nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(t.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t)}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

func stringNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case strings.Contains(s, "\n"):
		n.Style = yaml.LiteralStyle
	case !plainSafe(s):
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// plainSafe reports whether s can be written as a plain scalar and read back
// as the same string by YAML 1.2 and YAML 1.1 readers alike. YAML 1.1
// readers, kubectl's among them, take y, no, on, off, 1e3, 1_000, 0777,
// 1:20, 2001-12-14 and more for booleans, numbers or timestamps.
func plainSafe(s string) bool {
	if s == "" {
		return false
	}
	simple := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if i == 0 && !letter || !(letter || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '/') {
			simple = false
			break
		}
	}
	if simple || startsPlainText(s) {
		switch strings.ToLower(s) {
		case "y", "yes", "n", "no", "true", "false", "on", "off", "null":
			return false
		}
		return true
	}
	// Anything else: ask a YAML 1.1 reader and a YAML 1.2 reader.
	var v1 any
	if err := yamlv2.Unmarshal([]byte(s), &v1); err != nil {
		return false
	}
	if got, ok := v1.(string); !ok || got != s {
		return false
	}
	var v2 any
	if err := yaml.Unmarshal([]byte(s), &v2); err != nil {
		return false
	}
	got, ok := v2.(string)
	return ok && got == s
}

// startsPlainText reports whether s reads back as itself when written plain
// in block context, by YAML 1.1 and 1.2 readers alike, but for the boolean
// and null words the caller checks: it starts with an ASCII letter (no
// number, timestamp, indicator or special float starts with one), holds no
// line break or tab, no ": " or " #" (a mapping value, a comment), and does
// not end in a space or a colon.
func startsPlainText(s string) bool {
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return false
	}
	if strings.ContainsAny(s, "\n\r\t") || strings.Contains(s, ": ") || strings.Contains(s, " #") {
		return false
	}
	last := s[len(s)-1]
	return last != ' ' && last != ':'
}
