package ruletest

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	yaml "go.yaml.in/yaml/v4"

	"github.com/oomguard/oomguard/rules"
)

// shapeError is a mistake in the structure of a test file, at the line and
// column of the node it is about, said in the file's terms: its keys and
// the kind of value each takes, never a Go type.
type shapeError struct {
	line, col int
	msg       string
}

// checkShape checks a test file's first document against the fields
// promtool reads (testFile), before the strict decoding, so that an unknown
// key or a value of the wrong kind is reported at its line and column with
// the key's name, where the decoder would say "line N: field x not found in
// type ruletest.testFile" or "cannot unmarshal !!str into model.Duration".
// It returns the first mistake in the file's order, or nil; what it lets
// through, the strict decoding still judges.
func checkShape(doc *yaml.Node) *shapeError {
	if doc == nil {
		return nil
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil
		}
		doc = doc.Content[0]
	}
	return shapeOf(doc, reflect.TypeFor[testFile](), "the test file")
}

var (
	durationType  = reflect.TypeFor[model.Duration]()
	labelsType    = reflect.TypeFor[labels.Labels]()
	timestampType = reflect.TypeFor[startTimestamp]()
)

var yaml11Bool = map[string]bool{}

func init() {
	for _, w := range []string{"y", "yes", "n", "no", "on", "off"} {
		yaml11Bool[w] = true
		yaml11Bool[strings.ToUpper(w[:1])+w[1:]] = true
		yaml11Bool[strings.ToUpper(w)] = true
	}
}

// shapeOf checks node against t; what names the value in messages (a key,
// or "the test file").
func shapeOf(n *yaml.Node, t reflect.Type, what string) *shapeError {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil // the zero value, for any field
	}
	at := func(format string, args ...any) *shapeError {
		return &shapeError{line: n.Line, col: n.Column, msg: fmt.Sprintf(format, args...)}
	}
	scalar := func(want string) *shapeError {
		if n.Kind != yaml.ScalarNode {
			return at("%s must be %s, not %s", what, want, nodeKind(n))
		}
		return nil
	}
	switch {
	case t == durationType:
		if err := scalar("a duration such as 1m"); err != nil {
			return err
		}
		if _, err := model.ParseDuration(n.Value); err != nil {
			return at("%s must be a duration such as 1m or 1h30m, not %q", what, n.Value)
		}
		return nil
	case t == timestampType:
		if err := scalar("a time"); err != nil {
			return err
		}
		if _, err := parseTime(n.Value); err != nil {
			return at("%s must be an RFC 3339 time or Unix seconds, not %q", what, n.Value)
		}
		return nil
	case t == labelsType:
		return shapeOf(n, reflect.TypeFor[map[string]string](), what)
	}
	switch t.Kind() {
	case reflect.String:
		return scalar("a string")
	case reflect.Bool:
		if err := scalar("true or false"); err != nil {
			return err
		}
		// The decoder reads YAML 1.1, where yes, no, on and off are booleans.
		if n.ShortTag() != "!!bool" && (n.Style != 0 || !yaml11Bool[n.Value]) {
			return at("%s must be true or false, not %q", what, n.Value)
		}
	case reflect.Float64:
		if err := scalar("a number"); err != nil {
			return err
		}
		if tag := n.ShortTag(); tag != "!!float" && tag != "!!int" {
			return at("%s must be a number, not %q", what, n.Value)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return at("%s must be a list, not %s", what, nodeKind(n))
		}
		for _, c := range n.Content {
			if err := shapeOf(c, t.Elem(), "an entry of "+what); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return at("%s must be a mapping, not %s", what, nodeKind(n))
		}
		if err := twice(n); err != nil {
			return err
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := shapeOf(n.Content[i+1], t.Elem(), "the value of "+n.Content[i].Value); err != nil {
				return err
			}
		}
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return at("%s must be a mapping, not %s", what, nodeKind(n))
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name != "" && name != "-" {
				fields[name] = f.Type
			}
		}
		if err := twice(n); err != nil {
			return err
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Value == "<<" {
				continue // a merge: the strict decoding judges what it brings
			}
			ft, ok := fields[k.Value]
			if !ok {
				return &shapeError{line: k.Line, col: k.Column, msg: unknownKey(k.Value, what, fields)}
			}
			if err := shapeOf(n.Content[i+1], ft, k.Value); err != nil {
				return err
			}
		}
	}
	return nil
}

// twice reports a key of mapping n set twice, at the second.
func twice(n *yaml.Node) *shapeError {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Value == "<<" {
			continue
		}
		if seen[k.Value] {
			return &shapeError{line: k.Line, col: k.Column, msg: fmt.Sprintf("%s is set twice", k.Value)}
		}
		seen[k.Value] = true
	}
	return nil
}

// unknownKey says that key is not one of the fields of what, with the one
// meant when one is a few edits away, and the keys it takes.
func unknownKey(key, what string, fields map[string]reflect.Type) string {
	known := make([]string, 0, len(fields))
	for name := range fields {
		known = append(known, name)
	}
	sort.Strings(known)
	where := ""
	if what != "the test file" {
		where = " in " + what
	}
	if best := rules.Suggest(key, known); best != "" {
		return fmt.Sprintf("unknown key %s%s: did you mean %s?", key, where, best)
	}
	return fmt.Sprintf("unknown key %s%s (known: %s)", key, where, strings.Join(known, ", "))
}

// nodeKind names the kind of a YAML value for a message.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return strconv.Quote(n.Value)
}
