package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	yaml "go.yaml.in/yaml/v3"
	yamlv4 "go.yaml.in/yaml/v4"

	"github.com/oomguard/oomguard/internal/limit"
)

// DefaultMaxFileSize is the largest file Parse reads unless Options says
// otherwise. Real rule files are far smaller (a Kubernetes object cannot
// exceed about 1.5 MiB); the limit keeps memory bounded on runaway input.
const DefaultMaxFileSize = 16 << 20

// Options control how files are loaded.
type Options struct {
	// IgnoreUnknownFields accepts unknown keys, as promtool's
	// --ignore-unknown-fields does.
	IgnoreUnknownFields bool
	// Thanos accepts Thanos Ruler's partial_response_strategy in plain rule
	// files. PrometheusRule manifests always accept it: the CRD does.
	Thanos bool
	// Parser parses expressions; nil means the default PromQL parser.
	Parser parser.Parser
	// MaxFileSize bounds the size of a file; 0 means DefaultMaxFileSize.
	MaxFileSize int64
	// MaxExprOperators and MaxExprNesting bound the expressions the
	// parser is given; 0 means DefaultMaxExprOperators and
	// DefaultMaxExprNesting.
	MaxExprOperators int
	MaxExprNesting   int
	// MaxAliasNodes and MaxAliasBytes are what YAML aliases may add to a
	// small document (a larger one may grow by its own size); 0 means
	// DefaultMaxAliasNodes and DefaultMaxAliasBytes.
	MaxAliasNodes int64
	MaxAliasBytes int64
}

func (o Options) parser() parser.Parser {
	if o.Parser != nil {
		return o.Parser
	}
	return defaultParser
}

func (o Options) maxFileSize() int64 { return limit.Or(o.MaxFileSize, DefaultMaxFileSize) }

var defaultParser = parser.NewParser(parser.Options{})

// Parse loads the documents of one file from data. It returns the file even
// when there are errors, with whatever could be decoded, so that callers can
// report every problem; the errors are sorted by position.
func Parse(path string, data []byte, opts Options) (*File, ErrorList) {
	data, encErr := toUTF8(data)
	f := &File{Path: path, src: newSource(data)}
	if encErr != "" {
		return f, ErrorList{{File: path, Pos: Pos{Line: 1, Col: 1}, Msg: encErr}}
	}
	if max := opts.maxFileSize(); int64(len(data)) > max {
		return f, ErrorList{tooLarge(path, int64(len(data)), max)}
	}
	d := &decoder{path: path, src: f.src, opts: opts}
	// The documents of the file, one at a time: a JSON file is one, read
	// without the YAML parser (jsonDocument).
	next := func() (*yaml.Node, error) { return nil, io.EOF }
	if doc := jsonDocument(data); doc != nil {
		next = func() (*yaml.Node, error) {
			root := doc
			doc = nil
			if root == nil {
				return nil, io.EOF
			}
			return root, nil
		}
	} else {
		next = v3Documents(data)
	}
	var ruleFileDocs []*Document
	for index := 0; ; index++ {
		root, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		var se *v3Error
		if errors.As(err, &se) {
			d.syntaxError(se)
			break
		}
		if err != nil {
			d.yamlError(err)
			break
		}
		if e := d.checkAliases(root); e != nil {
			d.errs = append(d.errs, e)
			d.exhausted = true
			break
		}
		before := len(f.Docs)
		d.document(f, root, index)
		for _, doc := range f.Docs[before:] {
			if doc.Kind == KindRuleFile {
				ruleFileDocs = append(ruleFileDocs, doc)
			}
		}
	}
	if len(ruleFileDocs) > 1 {
		f.Warnings = append(f.Warnings, &Error{File: path, Pos: ruleFileDocs[1].Pos, Code: WarnMultiDocument,
			Msg: fmt.Sprintf("file has %d rule file documents: Prometheus and promtool read only the first", len(ruleFileDocs))})
	}
	if !d.exhausted {
		for _, doc := range f.Docs {
			validateDocument(d, doc)
		}
	}
	d.errs = dedupe(d.errs)
	f.Warnings = dedupe(append(f.Warnings, d.warns...))
	return f, d.errs
}

// dedupe sorts l and drops repeated errors: through aliases one bad node
// can be reached many times, and it is one problem.
func dedupe(l ErrorList) ErrorList {
	l.Sort()
	out := l[:0]
	for i, e := range l {
		if i > 0 && *e == *l[i-1] {
			continue
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// yamlError records a YAML syntax error at the position the YAML parser
// gives.
func (d *decoder) yamlError(err error) {
	var le *yamlv4.LoadError
	if errors.As(err, &le) {
		msg := le.Message
		if le.ContextMsg != "" {
			msg = le.ContextMsg + ": " + msg
		}
		p := Pos{Line: le.Mark.Line, Col: le.Mark.Column}
		if !p.IsValid() {
			p = Pos{Line: le.ContextMark.Line, Col: le.ContextMark.Column}
		}
		p = d.src.clamp(p)
		if off := d.src.offset(p); off >= 0 && off < len(d.src.text) && d.src.text[off] == '\t' {
			msg += " (a tab: YAML indents with spaces only)"
		}
		d.errorf(p, "yaml: %s", msg)
		return
	}
	d.errorf(Pos{Line: 1, Col: 1}, "yaml: %v", err)
}

// document decodes one YAML document into zero or more Documents of f.
func (d *decoder) document(f *File, root *yaml.Node, index int) {
	if len(root.Content) == 0 {
		return // an empty document
	}
	n := d.resolve(root.Content[0])
	if n == nil || isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(nodePos(n), "a rule file or a PrometheusRule must be a mapping, not %s", kindName(n))
		return
	}
	entries, _ := d.mapping(n, "document")
	var apiVersion, kind string
	var kindPos Pos
	hasGroups := false
	for _, e := range entries {
		switch e.key.Value {
		case "apiVersion":
			apiVersion = d.scalarValue(e.val)
		case "kind":
			kind = d.scalarValue(e.val)
			kindPos = nodePos(e.val)
		case "groups":
			hasGroups = true
		}
	}
	switch {
	case kind == "" && apiVersion == "":
		doc := &Document{Kind: KindRuleFile, Index: index, Item: -1, Pos: nodePos(n)}
		d.ruleFile(doc, entries)
		if !hasGroups && len(entries) == 0 {
			return
		}
		f.Docs = append(f.Docs, doc)
	case kind == "PrometheusRule":
		if doc := d.prometheusRule(n, entries, index, -1, apiVersion); doc != nil {
			f.Docs = append(f.Docs, doc)
		}
	case kind == "List" || kind == "PrometheusRuleList":
		d.list(f, entries, index, kind)
	default:
		switch d.misspeltKind(kind, kindPos, apiVersion, n) {
		case "PrometheusRule":
			// kubectl refuses the document; its rules are read all the
			// same, so that what else is wrong with them is reported at once.
			if doc := d.prometheusRule(n, entries, index, -1, apiVersion); doc != nil {
				f.Docs = append(f.Docs, doc)
			}
			return
		case "List":
			d.list(f, entries, index, "List")
			return
		}
		what := kind
		if what == "" {
			what = "(none)"
		}
		p := kindPos
		if !p.IsValid() {
			p = nodePos(n)
		}
		f.Warnings = append(f.Warnings, &Error{File: d.path, Pos: p, Code: WarnSkippedDocument,
			Msg: fmt.Sprintf("skipped document %d of kind %s: not a rule file or a PrometheusRule", index+1, what)})
	}
}

// ruleKinds are the kinds of document that hold rules, besides a rule file.
var ruleKinds = []string{"PrometheusRule", "PrometheusRuleList", "List"}

// misspeltKind reports, as an error at kind's value, a kind that is one of
// ruleKinds misspelt (kubectl refuses it: "no matches for kind"), and
// returns the kind meant, or "". A document of the Prometheus Operator's
// API group without a kind is a PrometheusRule without its kind. Other
// kinds are other resources, skipped with a warning.
func (d *decoder) misspeltKind(kind string, kindPos Pos, apiVersion string, n *yaml.Node) string {
	if kind == "" {
		if strings.HasPrefix(apiVersion, "monitoring.coreos.com/") {
			d.errorf(nodePos(n), "kind is missing: did you mean kind: PrometheusRule?")
			return "PrometheusRule"
		}
		return ""
	}
	meant := Suggest(kind, ruleKinds)
	if meant == "" {
		return ""
	}
	d.errorf(kindPos, "unknown kind %q: did you mean %s?", kind, meant)
	if meant == "PrometheusRuleList" {
		meant = "List"
	}
	return meant
}

// scalarValue returns the value of a scalar node, or "" for anything else.
func (d *decoder) scalarValue(n *yaml.Node) string {
	n = d.resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		return ""
	}
	return n.Value
}

func (d *decoder) ruleFile(doc *Document, entries []kv) {
	for _, e := range entries {
		if e.key.Value == "groups" {
			doc.Groups = d.groups(e.val, "groups", d.opts.Thanos)
			continue
		}
		d.unknown(e, "rule file", []string{"groups"})
	}
}

// prometheusRuleAPIVersion is the only apiVersion of PrometheusRule.
const prometheusRuleAPIVersion = "monitoring.coreos.com/v1"

func (d *decoder) prometheusRule(n *yaml.Node, entries []kv, index, item int, apiVersion string) *Document {
	doc := &Document{Kind: KindPrometheusRule, Index: index, Item: item, Pos: nodePos(n), Meta: &Meta{}}
	hasSpec := false
	for _, e := range entries {
		switch e.key.Value {
		case "apiVersion":
			if apiVersion != prometheusRuleAPIVersion {
				d.errorf(nodePos(e.val), "PrometheusRule: apiVersion must be %s, not %q", prometheusRuleAPIVersion, apiVersion)
			}
		case "kind":
		case "metadata":
			d.metadata(doc.Meta, e.val)
		case "spec":
			hasSpec = true
			spec, _ := d.mapping(e.val, "spec")
			for _, s := range spec {
				if s.key.Value == "groups" {
					doc.Groups = d.groups(s.val, "spec.groups", true)
					continue
				}
				d.unknown(s, "spec", []string{"groups"})
			}
		case "status":
			// Written by servers; it carries nothing of the rules.
		default:
			if d.unknown(e, "PrometheusRule", []string{"apiVersion", "kind", "metadata", "spec"}) == "spec" {
				// One error for the one mistake, not "spec is missing" too.
				hasSpec = true
			}
		}
	}
	if apiVersion == "" {
		d.errorf(doc.Pos, "PrometheusRule: apiVersion is missing")
	}
	if !hasSpec {
		d.errorf(doc.Pos, "PrometheusRule: spec is missing")
	}
	return doc
}

func (d *decoder) metadata(m *Meta, n *yaml.Node) {
	entries, _ := d.mapping(n, "metadata")
	for _, e := range entries {
		switch e.key.Value {
		case "name":
			m.Name = d.str(e, "metadata.name")
		case "namespace":
			m.Namespace = d.str(e, "metadata.namespace")
		case "labels":
			m.Labels = d.stringMap(e.val, "metadata.labels")
		case "annotations":
			m.Annotations = d.stringMap(e.val, "metadata.annotations")
		}
		// Other metadata (uid, ownerReferences, ...) belongs to the
		// server and is not kept.
	}
}

// list decodes the items of a `kind: List` (or PrometheusRuleList).
func (d *decoder) list(f *File, entries []kv, index int, kind string) {
	for _, e := range entries {
		if e.key.Value != "items" {
			continue
		}
		for i, item := range d.sequence(e.val, "items") {
			n := d.resolve(item)
			if n == nil {
				return
			}
			itemEntries, ok := d.mapping(n, fmt.Sprintf("items[%d]", i))
			if !ok || n.Kind != yaml.MappingNode {
				continue
			}
			var apiVersion, itemKind string
			for _, ie := range itemEntries {
				switch ie.key.Value {
				case "apiVersion":
					apiVersion = d.scalarValue(ie.val)
				case "kind":
					itemKind = d.scalarValue(ie.val)
				}
			}
			if itemKind == "PrometheusRule" || (kind == "PrometheusRuleList" && itemKind == "") {
				if apiVersion == "" && kind == "PrometheusRuleList" {
					apiVersion = prometheusRuleAPIVersion
				}
				if doc := d.prometheusRule(n, itemEntries, index, i, apiVersion); doc != nil {
					f.Docs = append(f.Docs, doc)
				}
				continue
			}
			if itemKind == "" {
				itemKind = "(none)"
			}
			f.Warnings = append(f.Warnings, &Error{File: d.path, Pos: nodePos(n), Code: WarnSkippedDocument,
				Msg: fmt.Sprintf("skipped item %d of the List in document %d, of kind %s: not a PrometheusRule", i, index+1, itemKind)})
		}
	}
}

func parseDuration(s string) (model.Duration, error) {
	v, err := model.ParseDuration(s)
	if err != nil {
		return 0, errors.New(strings.TrimPrefix(err.Error(), "time: "))
	}
	return v, nil
}

// toUTF8 removes a byte order mark and turns UTF-16 into UTF-8, as the YAML
// parser would read it, so that positions count the characters an editor
// shows.
func toUTF8(data []byte) ([]byte, string) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], ""
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		body := data[2:]
		if len(body)%2 != 0 {
			return nil, "yaml: UTF-16 text of an odd number of bytes"
		}
		big := data[0] == 0xFE
		units := make([]uint16, len(body)/2)
		for i := range units {
			if big {
				units[i] = uint16(body[2*i])<<8 | uint16(body[2*i+1])
			} else {
				units[i] = uint16(body[2*i+1])<<8 | uint16(body[2*i])
			}
		}
		return []byte(string(utf16.Decode(units))), ""
	}
	return data, ""
}
