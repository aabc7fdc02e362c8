// Package generate makes the container-resources rule pack: it evaluates
// the jsonnet mixin with the user's configuration, loads the result through
// the rules loader (every expression through the PromQL parser), runs the
// pack's own unit tests, and only then renders the output.
package generate

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v4"

	"github.com/oomguard/oomguard/jsonnet"
)

// ConfigError is a configuration that cannot be used, with the position
// of the offending key or value when it comes from a file.
type ConfigError struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (e *ConfigError) Error() string {
	switch {
	case e.File == "":
		return e.Msg
	case e.Line == 0:
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Overrides are changes to the pack's _config: a mirror of it where only
// what differs from the defaults is set.
type Overrides map[string]any

// defaultConfig returns the pack's _config with its defaults, evaluated
// once.
var defaultConfig = sync.OnceValues(func() (map[string]any, error) {
	p, err := jsonnet.Evaluate(nil)
	if err != nil {
		return nil, fmt.Errorf("the pack does not evaluate: %w", err)
	}
	var m map[string]any
	return m, json.Unmarshal(p.Config, &m)
})

// LoadConfig reads the generate section of an oomguard config file: a YAML
// mirror of the pack's _config. Unknown keys and values of the wrong type
// are errors at their position.
func LoadConfig(name string, data []byte) (Overrides, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		var le *yaml.LoadError
		if errors.As(err, &le) {
			return nil, &ConfigError{File: name, Line: le.Mark.Line, Col: le.Mark.Column, Msg: "yaml: " + le.Message}
		}
		return nil, &ConfigError{File: name, Msg: err.Error()}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &ConfigError{File: name, Line: root.Line, Col: root.Column, Msg: "the config must be a mapping of sections"}
	}
	defaults, err := defaultConfig()
	if err != nil {
		return nil, err
	}
	var out Overrides
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "generate":
			m, err := mirror(name, v, defaults, "")
			if err != nil {
				return nil, err
			}
			if m != nil {
				out = m.(map[string]any)
			}
		case "lint", "test", "convert":
			// Sections of other commands.
		default:
			return nil, &ConfigError{File: name, Line: k.Line, Col: k.Column, Msg: fmt.Sprintf("unknown section %q (known: generate, lint, test, convert)", k.Value)}
		}
	}
	return out, nil
}

// mirror decodes n as a value of the _config field whose default is def,
// checking keys and types against it.
func mirror(file string, n *yaml.Node, def any, path string) (any, error) {
	errAt := func(format string, args ...any) error {
		return &ConfigError{File: file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)}
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil, nil
	}
	switch d := def.(type) {
	case map[string]any:
		if n.Kind != yaml.MappingNode {
			return nil, errAt("%s must be a mapping", describe(path))
		}
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			key := k.Value
			sub := joinPath(path, key)
			if _, dup := out[key]; dup {
				return nil, &ConfigError{File: file, Line: k.Line, Col: k.Column, Msg: fmt.Sprintf("%s is set twice", sub)}
			}
			dv, known := d[key]
			if !known && !openMaps[path] {
				return nil, &ConfigError{File: file, Line: k.Line, Col: k.Column, Msg: fmt.Sprintf("unknown key %s (known: %s)", sub, strings.Join(keysOf(d), ", "))}
			}
			if openMaps[path] {
				dv = ""
			}
			v, err := mirror(file, n.Content[i+1], dv, sub)
			if err != nil {
				return nil, err
			}
			out[key] = v
		}
		return out, nil
	case nil:
		// An open slot (null by default), such as testLabels.cadvisor: a
		// mapping of strings.
		return mirror(file, n, map[string]any{}, path+".")
	}
	if n.Kind != yaml.ScalarNode {
		return nil, errAt("%s must be a %s", describe(path), typeName(def))
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, errAt("%s: %v", describe(path), err)
	}
	if typeName(v) != typeName(def) {
		return nil, errAt("%s must be a %s, not %q", describe(path), typeName(def), n.Value)
	}
	return v, nil
}

func typeName(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64, float32, int, int64, uint64:
		return "number"
	case map[string]any:
		return "mapping"
	}
	return fmt.Sprintf("%T", v)
}

func describe(path string) string {
	if path == "" {
		return "the generate section"
	}
	return strings.TrimSuffix(path, ".")
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return strings.TrimSuffix(path, ".") + "." + key
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// openMaps are _config fields that take any key.
var openMaps = map[string]bool{"extraLabels": true, "testLabels.cadvisor.": true, "testLabels.kubeStateMetrics.": true}

// Set applies a --set key=value: the key is a dotted path into _config,
// the value a YAML scalar (0.85, true, 15m), checked as the config file is.
func (o *Overrides) Set(kv string) error {
	key, val, ok := strings.Cut(kv, "=")
	if !ok || key == "" {
		return &ConfigError{Msg: fmt.Sprintf("--set %q: want key=value", kv)}
	}
	// Build the YAML of the nested key and check it as a config file.
	parts := strings.Split(key, ".")
	var b strings.Builder
	b.WriteString("generate:\n")
	for i, p := range parts {
		fmt.Fprintf(&b, "%s%q:", strings.Repeat("  ", i+1), p)
		if i < len(parts)-1 {
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, " %s\n", yamlScalar(val))
	patch, err := LoadConfig("--set "+kv, []byte(b.String()))
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			return &ConfigError{Msg: "--set " + kv + ": " + ce.Msg}
		}
		return err
	}
	*o = merge(*o, patch)
	return nil
}

// yamlScalar keeps a --set value a plain scalar, so that 0.85 is a number
// and true a boolean, quoting it only when YAML would read more into it.
func yamlScalar(v string) string {
	var node yaml.Node
	if err := yaml.Unmarshal([]byte("x: "+v), &node); err != nil || len(node.Content) == 0 ||
		node.Content[0].Kind != yaml.MappingNode || len(node.Content[0].Content) != 2 ||
		node.Content[0].Content[1].Kind != yaml.ScalarNode {
		b, _ := json.Marshal(v)
		return string(b)
	}
	return v
}

func merge(base, over map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if bm, ok := out[k].(map[string]any); ok {
			if om, ok := v.(map[string]any); ok {
				out[k] = merge(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// DecodeSection reads the generate section of an oomguard config file
// (package config reads the file): n is the section's value, a YAML mirror
// of the pack's _config. Unknown keys and values of the wrong type are
// errors at their position in file.
func DecodeSection(file string, n *yaml.Node) (Overrides, error) {
	defaults, err := defaultConfig()
	if err != nil {
		return nil, err
	}
	m, err := mirror(file, n, defaults, "")
	if err != nil || m == nil {
		return nil, err
	}
	return m.(map[string]any), nil
}
