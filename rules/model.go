package rules

import (
	"text/template/parse"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

// Kind says what a document is.
type Kind int

const (
	// KindRuleFile is a plain Prometheus rule file document (`groups:`).
	KindRuleFile Kind = iota + 1
	// KindPrometheusRule is a monitoring.coreos.com/v1 PrometheusRule.
	KindPrometheusRule
)

func (k Kind) String() string {
	switch k {
	case KindRuleFile:
		return "rule file"
	case KindPrometheusRule:
		return "PrometheusRule"
	}
	return "unknown"
}

// File is one loaded file: its documents, in order, and what the loader
// noticed that is not an error (skipped documents, several documents in a
// plain rule file).
type File struct {
	Path     string
	Docs     []*Document
	Warnings ErrorList
	// Origin is set when the text of the file is not what is at Path but
	// was made from it: the rules and alerts of the jsonnet mixin at Path,
	// evaluated. Positions in the file are then positions in that text.
	Origin *Origin

	src *source
}

// Origin is the jsonnet whose evaluation made the text of a file.
type Origin struct {
	// Sources are the jsonnet files the evaluation read, the mixin first,
	// then its imports in the order they were first read.
	Sources []Source
}

// Source is a file and its text.
type Source struct {
	Path string
	Text []byte
}

// Groups returns the groups of every document of f, in order.
func (f *File) Groups() []*Group {
	var gs []*Group
	for _, d := range f.Docs {
		gs = append(gs, d.Groups...)
	}
	return gs
}

// Rules returns the number of rules in f.
func (f *File) Rules() int {
	n := 0
	for _, d := range f.Docs {
		for _, g := range d.Groups {
			n += len(g.Rules)
		}
	}
	return n
}

// Document is one YAML document of a file: a plain rule file or a
// PrometheusRule. A `kind: List` contributes one Document per item.
type Document struct {
	Kind Kind
	// Index is the 0-based index of the YAML document in the file.
	Index int
	// Item is the 0-based index in the items of a `kind: List`, or -1.
	Item int
	Pos  Pos
	// Meta is set for PrometheusRule documents.
	Meta   *Meta
	Groups []*Group
}

// Meta is the part of a PrometheusRule's metadata that oomguard keeps.
type Meta struct {
	Name        Str
	Namespace   Str
	Labels      Map
	Annotations Map
}

// Group is a rule group.
type Group struct {
	Pos         Pos
	Name        Str
	Interval    Duration
	QueryOffset Duration
	Limit       Int
	Labels      Map
	// PartialResponseStrategy is Thanos Ruler's field; Prometheus ignores it.
	PartialResponseStrategy Str
	Rules                   []*Rule
}

// Rule is an alerting or a recording rule.
type Rule struct {
	Pos           Pos
	Record        Str
	Alert         Str
	Expr          Str
	For           Duration
	KeepFiringFor Duration
	Labels        Map
	Annotations   Map

	// Parsed is the parsed expression, or nil when Expr does not parse.
	Parsed parser.Expr
}

// Name returns the alert name of an alerting rule or the record name of a
// recording rule.
func (r *Rule) Name() string {
	if r.Alert.Value != "" {
		return r.Alert.Value
	}
	return r.Record.Value
}

// IsAlert reports whether r is an alerting rule.
func (r *Rule) IsAlert() bool { return r.Alert.Value != "" }

// Str is a string value with where it came from. When the key is absent,
// Present is false and both positions are zero.
type Str struct {
	Value   string
	Present bool
	// Pos is the position of the value, or of the key when the value is
	// null or empty.
	Pos    Pos
	KeyPos Pos

	// How the value was written, for mapping offsets inside it back to
	// the file (File.PosAt).
	style scalarStyle
	// invalid is set when the value had the wrong type, already reported;
	// checks of the value then stay quiet.
	invalid bool
}

// Duration is a duration value as written (Value) and as parsed (D).
type Duration struct {
	Str
	D model.Duration
}

// Int is an integer value.
type Int struct {
	Str
	N int
}

// Pair is one key and value of a string map, such as labels.
type Pair struct {
	Key   Str
	Value Str
}

// Template is a label or annotation value of an alerting rule parsed as
// Prometheus parses it: after TemplateDefs, with function names not
// checked (the loader reports unknown functions). Tree is nil when it does
// not parse; positions in it are offsets into TemplateDefs+value.
type Template struct {
	Tree *parse.Tree
	// Trees are the templates the text defines by name, Tree (named "t")
	// among them.
	Trees map[string]*parse.Tree
}

// TemplateDefs are the definitions Prometheus prepends to every alert
// template.
const TemplateDefs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

// ParseTemplate parses an alert template's text as Template describes, as
// the loader does for each label and annotation of an alerting rule that
// holds an action. The trees are not kept with the rules: for every
// template of a large file they would be a third of lint's memory.
func ParseTemplate(text string) *Template {
	t := parse.New("t")
	t.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := t.Parse(TemplateDefs+text, "{{", "}}", trees); err != nil {
		return &Template{}
	}
	return &Template{Tree: t, Trees: trees}
}

// Map is a string map that keeps the order and the positions of the source.
type Map []Pair

// Get returns the value of key k and whether it is there.
func (m Map) Get(k string) (Str, bool) {
	for _, p := range m {
		if p.Key.Value == k {
			return p.Value, true
		}
	}
	return Str{}, false
}

// Strings returns m as a plain map.
func (m Map) Strings() map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for _, p := range m {
		out[p.Key.Value] = p.Value.Value
	}
	return out
}

// SourceOnly returns a File of f's path, origin and text alone, without
// its documents and warnings: what Line and Source need, for far less
// memory than f.
func (f *File) SourceOnly() *File { return &File{Path: f.Path, Origin: f.Origin, src: f.src} }

// Line returns the text of line n (1-based) of the file as loaded, without
// its line break, or nil.
func (f *File) Line(n int) []byte {
	if f == nil || f.src == nil {
		return nil
	}
	return f.src.line(n)
}

// Source returns the text of the file as loaded (UTF-8, whatever the
// encoding on disk). The caller must not modify it.
func (f *File) Source() []byte {
	if f == nil || f.src == nil {
		return nil
	}
	return f.src.text
}

// LineCount returns the number of lines of the file.
func (f *File) LineCount() int {
	if f == nil || f.src == nil {
		return 0
	}
	return len(f.src.lines)
}
