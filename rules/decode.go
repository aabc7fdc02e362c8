package rules

import (
	"encoding/base64"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// decoder turns YAML nodes into the model, strictly: unknown keys,
// duplicate keys and values of the wrong type are errors, each reported at
// its position, and decoding goes on after an error so that every problem of
// a file is reported.
type decoder struct {
	path  string
	src   *source
	opts  Options
	errs  ErrorList
	warns ErrorList
	// exhausted is set when a document's aliases expand it past the
	// bound (checkAliases): the file is read no further.
	exhausted bool
	// binary maps each !!binary scalar to the scalar it decodes to, made
	// once (aliases reach a node many times); decoded holds the latter.
	binary  map[*yaml.Node]*yaml.Node
	decoded map[*yaml.Node]bool
}

func (d *decoder) errorf(p Pos, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.path, Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func nodePos(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// resolve follows aliases (the document's expansion was bounded before it
// was decoded: checkAliases).
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		if hops > 100 {
			d.errorf(nodePos(n), "yaml: alias chain too long")
			return nil
		}
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!binary" {
		return d.decodeBinary(n)
	}
	return n
}

// decodeBinary returns the scalar a !!binary scalar stands for: Prometheus
// decodes the base64 text into the string it reads (as YAML decoders do
// for a string field), so the rule holds the decoded text, not the base64.
func (d *decoder) decodeBinary(n *yaml.Node) *yaml.Node {
	if out, ok := d.binary[n]; ok {
		return out
	}
	if d.binary == nil {
		d.binary, d.decoded = map[*yaml.Node]*yaml.Node{}, map[*yaml.Node]bool{}
	}
	data, err := base64.StdEncoding.DecodeString(n.Value)
	if err != nil {
		d.errorf(nodePos(n), "!!binary value contains invalid base64 data")
		d.binary[n] = n
		return n
	}
	out := *n
	out.Tag, out.Value, out.Style = "!!str", string(data), 0
	d.binary[n] = &out
	d.decoded[&out] = true
	return &out
}

// styleOf returns how n was written; the text of a decoded !!binary value
// cannot be lined up with its source.
func (d *decoder) styleOf(n *yaml.Node) scalarStyle {
	if d.decoded[n] {
		return styleBinary
	}
	return styleOf(n)
}

// skipNull reports whether n is an empty sequence item (a lone "-"), which
// Prometheus skips without a word; oomguard skips it too, with a warning.
func (d *decoder) skipNull(n *yaml.Node, what string) bool {
	r := d.resolve(n)
	if r == nil || !isNull(r) {
		return false
	}
	d.warns = append(d.warns, &Error{File: d.path, Pos: nodePos(r), Msg: "empty " + what + " entry ignored, as Prometheus ignores it", Code: WarnIgnoredEntry})
	return true
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		if isNull(n) {
			return "null"
		}
		return "a scalar"
	}
	return "nothing"
}

func isNull(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	if n.Tag == "!" {
		// The non-specific tag: Prometheus's YAML library resolves a
		// plain value as if untagged, so an empty one is null there; a
		// quoted or block one stays a string.
		if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return false
		}
		switch n.Value {
		case "", "~", "null", "Null", "NULL":
			return true
		}
		return false
	}
	return n.ShortTag() == "!!null"
}

// kv is one key and value of a mapping, with aliases resolved.
type kv struct {
	key *yaml.Node
	val *yaml.Node
}

// mapping returns the entries of a mapping node in order. It reports
// duplicate keys and keys that are not scalars, and expands merge keys (<<)
// as YAML decoders do: explicit keys win over merged ones. what names the
// mapping in messages. A null node is an empty mapping.
func (d *decoder) mapping(n *yaml.Node, what string) ([]kv, bool) {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return nil, n != nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(nodePos(n), "%s must be a mapping, not %s", what, kindName(n))
		return nil, false
	}
	var out, merged []kv
	seen := map[string]Pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i])
		if k == nil {
			return out, false
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(nodePos(k), "%s: a key must be a scalar, not %s", what, kindName(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(n.Content[i+1], what)...)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(nodePos(k), "%s: key %q already defined at %s", what, k.Value, first)
			continue
		}
		seen[k.Value] = nodePos(k)
		if isNull(k) {
			// Prometheus's YAML decoding skips entries with a null key
			// (after checking it for duplicates, as above).
			d.warns = append(d.warns, &Error{File: d.path, Pos: nodePos(k), Msg: what + ": entry with a null key ignored, as Prometheus ignores it", Code: WarnIgnoredEntry})
			continue
		}
		out = append(out, kv{key: k, val: n.Content[i+1]})
	}
	for _, e := range merged {
		if _, dup := seen[e.key.Value]; dup {
			continue
		}
		seen[e.key.Value] = nodePos(e.key)
		out = append(out, e)
	}
	return out, true
}

// merge returns the entries a merge key brings in: a mapping, or a sequence
// of mappings where earlier ones win.
func (d *decoder) merge(n *yaml.Node, what string) []kv {
	n = d.resolve(n)
	if n == nil {
		return nil
	}
	var srcs []*yaml.Node
	switch n.Kind {
	case yaml.MappingNode:
		srcs = []*yaml.Node{n}
	case yaml.SequenceNode:
		srcs = n.Content
	default:
		d.errorf(nodePos(n), "%s: a merge key (<<) needs a mapping or a sequence of mappings, not %s", what, kindName(n))
		return nil
	}
	var out []kv
	for _, s := range srcs {
		m, _ := d.mapping(s, what)
		out = append(out, m...)
	}
	return out
}

// sequence returns the items of a sequence node; a null node is empty.
func (d *decoder) sequence(n *yaml.Node, what string) []*yaml.Node {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(nodePos(n), "%s must be a sequence, not %s", what, kindName(n))
		return nil
	}
	return n.Content
}

// str decodes a scalar value into a Str. Any scalar is accepted, as YAML
// decoders do for string fields; null is the empty string.
func (d *decoder) str(e kv, what string) Str {
	s := Str{Present: true, KeyPos: nodePos(e.key)}
	v := d.resolve(e.val)
	if v == nil {
		return s
	}
	if v.Kind != yaml.ScalarNode {
		d.errorf(nodePos(v), "%s must be a string, not %s", what, kindName(v))
		s.Pos = nodePos(v)
		s.invalid = true
		return s
	}
	if isNull(v) {
		s.Pos = s.KeyPos
		return s
	}
	s.Value = v.Value
	s.Pos = nodePos(v)
	s.style = d.styleOf(v)
	return s
}

func (d *decoder) duration(e kv, what string) Duration {
	out := Duration{Str: d.str(e, what)}
	if out.Value == "" {
		if out.Pos != out.KeyPos {
			d.errorf(out.Pos, "%s: empty duration string", what)
		}
		return out
	}
	v, err := parseDuration(out.Value)
	if err != nil {
		d.errorf(out.Pos, "%s: %v", what, err)
		return out
	}
	out.D = v
	return out
}

func (d *decoder) integer(e kv, what string) Int {
	out := Int{Str: d.str(e, what)}
	v := d.resolve(e.val)
	if v == nil || v.Kind != yaml.ScalarNode || isNull(v) {
		return out
	}
	if err := v.Decode(&out.N); err != nil {
		d.errorf(out.Pos, "%s must be an integer, not %q", what, v.Value)
	}
	return out
}

// stringMap decodes a mapping of strings (labels, annotations).
func (d *decoder) stringMap(n *yaml.Node, what string) Map {
	entries, _ := d.mapping(n, what)
	if len(entries) == 0 {
		return nil
	}
	m := make(Map, 0, len(entries))
	for _, e := range entries {
		m = append(m, Pair{
			Key:   Str{Value: e.key.Value, Present: true, Pos: nodePos(e.key), KeyPos: nodePos(e.key), style: d.styleOf(e.key)},
			Value: d.str(e, what+" "+quoteKey(e.key.Value)),
		})
	}
	return m
}

func quoteKey(k string) string { return fmt.Sprintf("%q", k) }

// unknown reports a key that is not one of allowed.
// It returns the key the entry's key is a misspelling of, or "".
func (d *decoder) unknown(e kv, what string, allowed []string) string {
	if d.opts.IgnoreUnknownFields {
		return ""
	}
	if meant := Suggest(e.key.Value, allowed); meant != "" {
		d.errorf(nodePos(e.key), "unknown key %q in %s: did you mean %s? (allowed: %s)", e.key.Value, what, meant, strings.Join(allowed, ", "))
		return meant
	}
	d.errorf(nodePos(e.key), "unknown key %q in %s (allowed: %s)", e.key.Value, what, strings.Join(allowed, ", "))
	return ""
}

var (
	groupKeys       = []string{"name", "interval", "query_offset", "limit", "labels", "rules"}
	groupKeysThanos = []string{"name", "interval", "query_offset", "limit", "labels", "partial_response_strategy", "rules"}
	ruleKeys        = []string{"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
)

// groups decodes the `groups:` sequence of a rule file or a PrometheusRule
// spec. thanos allows Thanos Ruler's partial_response_strategy.
func (d *decoder) groups(n *yaml.Node, what string, thanos bool) []*Group {
	var out []*Group
	for i, item := range d.sequence(n, what) {
		if g := d.group(item, fmt.Sprintf("%s[%d]", what, i), thanos); g != nil {
			out = append(out, g)
		}
	}
	return out
}

func (d *decoder) group(n *yaml.Node, what string, thanos bool) *Group {
	if d.skipNull(n, "group") {
		return nil
	}
	entries, ok := d.mapping(n, "group")
	if !ok {
		return nil
	}
	g := &Group{Pos: nodePos(n)}
	if r := d.resolve(n); r != nil {
		g.Pos = nodePos(r)
	}
	allowed := groupKeys
	if thanos {
		allowed = groupKeysThanos
	}
	for _, e := range entries {
		switch e.key.Value {
		case "name":
			g.Name = d.str(e, "group name")
		case "interval":
			g.Interval = d.duration(e, "interval")
		case "query_offset":
			g.QueryOffset = d.duration(e, "query_offset")
		case "limit":
			g.Limit = d.integer(e, "limit")
		case "labels":
			g.Labels = d.stringMap(e.val, "group labels")
		case "partial_response_strategy":
			if !thanos {
				d.unknown(e, "group", allowed)
				continue
			}
			g.PartialResponseStrategy = d.str(e, "partial_response_strategy")
		case "rules":
			for _, item := range d.sequence(e.val, "rules") {
				if r := d.rule(item); r != nil {
					g.Rules = append(g.Rules, r)
				}
			}
		default:
			d.unknown(e, "group", allowed)
		}
	}
	return g
}

func (d *decoder) rule(n *yaml.Node) *Rule {
	if d.skipNull(n, "rule") {
		return nil
	}
	entries, ok := d.mapping(n, "rule")
	if !ok {
		return nil
	}
	r := &Rule{Pos: nodePos(n)}
	if rn := d.resolve(n); rn != nil {
		r.Pos = nodePos(rn)
	}
	for _, e := range entries {
		switch e.key.Value {
		case "record":
			r.Record = d.str(e, "record")
		case "alert":
			r.Alert = d.str(e, "alert")
		case "expr":
			r.Expr = d.str(e, "expr")
		case "for":
			r.For = d.duration(e, "for")
		case "keep_firing_for":
			r.KeepFiringFor = d.duration(e, "keep_firing_for")
		case "labels":
			r.Labels = d.stringMap(e.val, "labels")
		case "annotations":
			r.Annotations = d.stringMap(e.val, "annotations")
		default:
			d.unknown(e, "rule", ruleKeys)
		}
	}
	return r
}
