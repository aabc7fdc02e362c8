// Package catalog describes the metrics that container, OOM and CPU rules
// read: their type, the exporter that serves them, their labels and, for
// gauges that cannot leave a range, that range. Lint checks read it to tell
// a counter from a gauge; users extend it from their configuration.
package catalog

import (
	_ "embed"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v4"
)

// Type is how a metric's value behaves.
type Type string

const (
	// Counter only grows, and restarts at 0 when its process does.
	Counter Type = "counter"
	// Gauge goes up and down.
	Gauge     Type = "gauge"
	Histogram Type = "histogram"
	Summary   Type = "summary"
	Untyped   Type = "untyped"
)

var types = []Type{Counter, Gauge, Histogram, Summary, Untyped}

// Source is the exporter or endpoint that serves a metric.
type Source string

// The sources of the built-in catalog. Entries from a configuration may
// name others.
const (
	Cadvisor         Source = "cadvisor"
	KubeletResource  Source = "kubelet-resource"
	KubeStateMetrics Source = "kube-state-metrics"
	NodeExporter     Source = "node-exporter"
	Kubelet          Source = "kubelet"
	Prometheus       Source = "prometheus"
)

// Range bounds the values of a gauge.
type Range struct {
	Min, Max float64
}

func (r Range) String() string {
	if r.Min == r.Max {
		return "always " + formatFloat(r.Min)
	}
	return formatFloat(r.Min) + " to " + formatFloat(r.Max)
}

// Metric is one metric as one source serves it.
type Metric struct {
	Name   string
	Type   Type
	Source Source
	// Labels are the labels the source sets, sorted; scraping adds target
	// labels.
	Labels []string
	// Range bounds the value, or is nil.
	Range *Range
	// ZeroMeans says what a value of 0 stands for when it is not a
	// measurement ("no limit"), or is empty.
	ZeroMeans string
	Help      string
}

// HasLabel reports whether the source sets label l.
func (m *Metric) HasLabel(l string) bool {
	_, ok := slices.BinarySearch(m.Labels, l)
	return ok
}

// Group is the metrics of one source, as the built-in catalog lists them.
type Group struct {
	Source Source
	// About describes the source.
	About string
	// Labels are the labels all its metrics carry.
	Labels  []string
	Metrics []*Metric
}

// Catalog is a set of metrics, looked up by name. A name may have one entry
// per source.
type Catalog struct {
	groups []*Group
	byName map[string][]*Metric
}

//go:embed metrics.yaml
var builtin []byte

var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := Parse(builtin)
	if err != nil {
		panic("catalog: metrics.yaml: " + err.Error())
	}
	return c
})

// Default returns the built-in catalog. It must not be modified.
func Default() *Catalog { return defaultCatalog() }

// Parse reads a catalog written as the built-in one: a list of sources,
// each with its source, about, labels shared by its metrics, and metrics.
func Parse(data []byte) (*Catalog, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	c := &Catalog{byName: map[string][]*Metric{}}
	if len(doc.Content) == 0 {
		return c, nil
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.SequenceNode {
		return nil, errorf(root, "want a list of sources")
	}
	for _, n := range root.Content {
		g, err := group(resolve(n))
		if err != nil {
			return nil, err
		}
		c.groups = append(c.groups, g)
		for _, m := range g.Metrics {
			for _, o := range c.byName[m.Name] {
				if o.Source == m.Source {
					return nil, fmt.Errorf("metric %s of source %s listed twice", m.Name, m.Source)
				}
			}
			c.byName[m.Name] = append(c.byName[m.Name], m)
		}
	}
	return c, nil
}

func group(n *yaml.Node) (*Group, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errorf(n, "want a source: a mapping with source, about, labels and metrics")
	}
	g := &Group{}
	var metrics *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		var err error
		switch k.Value {
		case "source":
			var s string
			s, err = str(v)
			g.Source = Source(s)
		case "about":
			g.About, err = str(v)
		case "labels":
			g.Labels, err = labelList(v)
		case "metrics":
			metrics = v
		default:
			err = errorf(k, "unknown key %q: want source, about, labels or metrics", k.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	if g.Source == "" {
		return nil, errorf(n, "source missing")
	}
	if metrics == nil {
		return nil, errorf(n, "metrics missing")
	}
	ms, err := Entries(metrics)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		m := &ms[i]
		if m.Source != "" {
			return nil, fmt.Errorf("metric %s: source is set by its group", m.Name)
		}
		m.Source = g.Source
		m.Labels = sortedUnion(g.Labels, m.Labels)
		g.Metrics = append(g.Metrics, m)
	}
	return g, nil
}

// Error is an entry that cannot be used, at its position in the YAML
// source.
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

func errorf(n *yaml.Node, format string, args ...any) *Error {
	return &Error{Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)}
}

var (
	metricNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelNameRE  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// Entries reads a YAML list of metrics, each a mapping with name, type,
// and optionally source, labels, range ([min, max]), zeroMeans and help.
// An error is an *Error at the offending node.
func Entries(n *yaml.Node) ([]Metric, error) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		return nil, errorf(n, "want a list of metrics")
	}
	var out []Metric
	for _, e := range n.Content {
		m, err := entry(resolve(e))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func entry(n *yaml.Node) (Metric, error) {
	var m Metric
	if n.Kind != yaml.MappingNode {
		return m, errorf(n, "want a metric: a mapping with name and type")
	}
	var rangeNode, typeNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		var err error
		switch k.Value {
		case "name":
			if m.Name, err = str(v); err == nil && !metricNameRE.MatchString(m.Name) {
				err = errorf(v, "invalid metric name %q", m.Name)
			}
		case "type":
			var s string
			if s, err = str(v); err == nil {
				m.Type, typeNode = Type(s), v
				if !slices.Contains(types, m.Type) {
					err = errorf(v, "unknown type %q: want counter, gauge, histogram, summary or untyped", s)
				}
			}
		case "source":
			var s string
			s, err = str(v)
			m.Source = Source(s)
		case "labels":
			m.Labels, err = labelList(v)
		case "range":
			m.Range, err = rangeOf(v)
			rangeNode = v
		case "zeroMeans":
			m.ZeroMeans, err = str(v)
		case "help":
			m.Help, err = str(v)
		default:
			err = errorf(k, "unknown key %q: want name, type, source, labels, range, zeroMeans or help", k.Value)
		}
		if err != nil {
			return m, err
		}
	}
	switch {
	case m.Name == "":
		return m, errorf(n, "metric without a name")
	case m.Type == "":
		return m, errorf(n, "metric %s: type missing", m.Name)
	case m.Range != nil && m.Type != Gauge:
		return m, errorf(rangeNode, "metric %s: a range bounds a gauge, not a %s", m.Name, m.Type)
	case m.ZeroMeans != "" && m.Type != Gauge:
		return m, errorf(typeNode, "metric %s: zeroMeans applies to a gauge, not a %s", m.Name, m.Type)
	}
	return m, nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return resolve(n.Content[0])
	}
	return n
}

func str(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", errorf(n, "want a string")
	}
	return n.Value, nil
}

func labelList(n *yaml.Node) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, errorf(n, "want a list of label names")
	}
	var out []string
	for _, e := range n.Content {
		e = resolve(e)
		s, err := str(e)
		if err != nil {
			return nil, err
		}
		if !labelNameRE.MatchString(s) {
			return nil, errorf(e, "invalid label name %q", s)
		}
		if slices.Contains(out, s) {
			return nil, errorf(e, "label %s listed twice", s)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}

func rangeOf(n *yaml.Node) (*Range, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		return nil, errorf(n, "want a range as [min, max]")
	}
	var v [2]float64
	for i, e := range n.Content {
		e = resolve(e)
		f, err := strconv.ParseFloat(e.Value, 64)
		if e.Kind != yaml.ScalarNode || err != nil || math.IsNaN(f) {
			return nil, errorf(e, "want a number, not %q", e.Value)
		}
		v[i] = f
	}
	if v[0] > v[1] {
		return nil, errorf(n, "range [%s, %s]: min above max", formatFloat(v[0]), formatFloat(v[1]))
	}
	return &Range{Min: v[0], Max: v[1]}, nil
}

func sortedUnion(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// With returns a catalog where each of ms replaces the entries of its name,
// or adds one. An entry without a source has source "config".
func (c *Catalog) With(ms []Metric) *Catalog {
	if len(ms) == 0 {
		return c
	}
	out := &Catalog{byName: map[string][]*Metric{}}
	replaced := map[string]bool{}
	for _, m := range ms {
		replaced[m.Name] = true
	}
	for _, g := range c.groups {
		ng := &Group{Source: g.Source, About: g.About, Labels: g.Labels}
		for _, m := range g.Metrics {
			if !replaced[m.Name] {
				ng.Metrics = append(ng.Metrics, m)
				out.byName[m.Name] = append(out.byName[m.Name], m)
			}
		}
		out.groups = append(out.groups, ng)
	}
	cfg := &Group{Source: "config", About: "Entries of the configuration."}
	for _, m := range ms {
		if m.Source == "" {
			m.Source = "config"
		}
		cfg.Metrics = append(cfg.Metrics, &m)
		out.byName[m.Name] = append(out.byName[m.Name], &m)
	}
	out.groups = append(out.groups, cfg)
	return out
}

// Groups returns the metrics by source, in the order of the catalog.
func (c *Catalog) Groups() []*Group { return c.groups }

// Lookup returns the entries of a metric name, one a source.
func (c *Catalog) Lookup(name string) []*Metric {
	if c == nil {
		return nil
	}
	return c.byName[name]
}

// Type returns how the series of a name behave: the type its entries agree
// on, Counter for the _bucket, _count and _sum series of a histogram and the
// _count and _sum series of a summary, or "" when the catalog does not know.
func (c *Catalog) Type(name string) Type {
	if t := c.agreed(name); t != "" {
		return t
	}
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		family, ok := strings.CutSuffix(name, suffix)
		if !ok {
			continue
		}
		switch c.agreed(family) {
		case Histogram:
			return Counter
		case Summary:
			if suffix != "_bucket" {
				return Counter
			}
		}
	}
	return ""
}

func (c *Catalog) agreed(name string) Type {
	var t Type
	for _, m := range c.Lookup(name) {
		if t != "" && t != m.Type {
			return ""
		}
		t = m.Type
	}
	return t
}

// Range returns the range of a gauge when every entry of its name has the
// same one.
func (c *Catalog) Range(name string) (Range, bool) {
	ms := c.Lookup(name)
	if len(ms) == 0 {
		return Range{}, false
	}
	for _, m := range ms {
		if m.Range == nil || *m.Range != *ms[0].Range {
			return Range{}, false
		}
	}
	return *ms[0].Range, true
}

// ZeroMeans returns what 0 stands for in a gauge of that name, or "".
func (c *Catalog) ZeroMeans(name string) string {
	for _, m := range c.Lookup(name) {
		if m.ZeroMeans != "" {
			return m.ZeroMeans
		}
	}
	return ""
}

// Source returns the entry of a name for one source, or nil.
func (c *Catalog) Source(name string, s Source) *Metric {
	for _, m := range c.Lookup(name) {
		if m.Source == s {
			return m
		}
	}
	return nil
}
