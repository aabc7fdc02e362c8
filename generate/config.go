// Package generate makes the container-resources rule pack: it evaluates
// the jsonnet mixin with the user's configuration, loads the result through
// the rules loader (every expression through the PromQL parser), runs the
// pack's own unit tests, and only then renders the output.
package generate

import (
	"encoding/json"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v4"
)

// Origin is where a setting was written: a line and column in a config
// file, or a --set argument.
type Origin struct {
	File      string
	Line, Col int
	// Set is the --set argument, key=value, when the setting came from the
	// command line.
	Set string
}

func (o Origin) String() string {
	switch {
	case o.Set != "":
		return "--set " + o.Set
	case o.Line == 0:
		return o.File
	}
	return fmt.Sprintf("%s:%d:%d", o.File, o.Line, o.Col)
}

// ConfigError is a configuration that cannot be used, at the position of
// the offending key or value, or at its --set argument.
type ConfigError struct {
	Origin
	Msg string
}

func (e *ConfigError) Error() string {
	if at := e.Origin.String(); at != "" {
		return at + ": " + e.Msg
	}
	return e.Msg
}

func (o Origin) errorf(format string, args ...any) *ConfigError {
	return &ConfigError{Origin: o, Msg: fmt.Sprintf(format, args...)}
}

// A Setting is one value of the pack's _config as the user wrote it: a
// leaf of the generate section of .oomguard.yaml, or a --set.
type Setting struct {
	// Path is the key, one part per level of _config, each part where it
	// was written.
	Path []Key
	// Value is the value as YAML decodes it: a string, bool, int, float64,
	// an empty map, or a list (which no knob takes).
	Value any
	// At is where the value was written.
	At Origin
}

// Key is one part of a setting's key.
type Key struct {
	Name string
	At   Origin
}

// Key returns the dotted key: alerts.ContainerMemoryNearLimit.for.
func (s Setting) Key() string { return joinKeys(s.Path, len(s.Path)) }

func joinKeys(path []Key, n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = path[i].Name
	}
	return strings.Join(names, ".")
}

// Overrides are the user's changes to the pack's _config, in the order
// they were made (a later one wins), each with where it was written.
// Build checks them (Check) before it evaluates anything.
type Overrides struct {
	Settings []Setting
}

// DecodeSection reads the generate section of an oomguard config file
// (package config reads the file): n is the section's value, a YAML mirror
// of the pack's _config, and file the file's name, for positions. Each
// setting is checked against its knob here (an unknown key, a value of
// the wrong type, a bad duration, selector or threshold is a *ConfigError
// at its line and column), whichever command reads the file; Check judges
// the settings together when the pack is built.
func DecodeSection(file string, n *yaml.Node) (Overrides, error) {
	at := func(n *yaml.Node) Origin { return Origin{File: file, Line: n.Line, Col: n.Column} }
	var o Overrides
	if err := o.flatten(at, nil, n); err != nil {
		return Overrides{}, err
	}
	k, err := knobs()
	if err != nil {
		return Overrides{}, err
	}
	for _, s := range o.Settings {
		if err := k.check(s); err != nil {
			return Overrides{}, err
		}
	}
	return o, nil
}

// flatten adds a setting for every leaf of n, a value at path.
func (o *Overrides) flatten(at func(*yaml.Node) Origin, path []Key, n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		// Nothing written: the default stays.
		return nil
	case n.Kind == yaml.MappingNode && len(n.Content) == 0 && len(path) == 0:
		return nil
	case n.Kind == yaml.MappingNode && len(n.Content) > 0:
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			sub := append(path[:len(path):len(path)], Key{Name: k.Value, At: at(k)})
			if seen[k.Value] {
				return at(k).errorf("%s is set twice", joinKeys(sub, len(sub)))
			}
			seen[k.Value] = true
			if err := o.flatten(at, sub, n.Content[i+1]); err != nil {
				return err
			}
		}
		return nil
	case len(path) == 0:
		return at(n).errorf("the generate section must be a mapping")
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return at(n).errorf("%s: %v", joinKeys(path, len(path)), err)
	}
	o.Settings = append(o.Settings, Setting{Path: path, Value: v, At: at(n)})
	return nil
}

// Set adds a --set key=value: the key is a dotted path into _config, the
// value a YAML scalar (0.85, true, 15m) unless YAML would read more into
// it, then a string.
func (o *Overrides) Set(kv string) error {
	key, val, ok := strings.Cut(kv, "=")
	at := Origin{Set: kv}
	if !ok || key == "" {
		return at.errorf("want key=value")
	}
	var path []Key
	for _, name := range strings.Split(key, ".") {
		if name == "" {
			return at.errorf("%q is not a key: an empty part between dots", key)
		}
		path = append(path, Key{Name: name, At: at})
	}
	o.Settings = append(o.Settings, Setting{Path: path, Value: scalar(val), At: at})
	return nil
}

// scalar reads a --set value: a YAML number or boolean (0.85, true) as
// such, anything else as the string typed, whatever YAML would read into
// it (quotes, a " #" comment, a flow mapping).
func scalar(v string) any {
	var node yaml.Node
	if err := yaml.Unmarshal([]byte("x: "+v), &node); err == nil && len(node.Content) == 1 &&
		node.Content[0].Kind == yaml.MappingNode && len(node.Content[0].Content) == 2 {
		n := node.Content[0].Content[1]
		var out any
		if n.Kind == yaml.ScalarNode && n.Style == 0 && n.LineComment == "" && n.Decode(&out) == nil {
			switch out.(type) {
			case bool, int, int64, uint64, float64:
				return out
			}
		}
	}
	return v
}

// typeName names the JSON type of a knob's value, as the messages do.
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
	case []any:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}

// show writes a value as the user would have typed it.
func show(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
