// Package config reads .oomguard.yaml, the one config file of every
// command: a section a command, each read and checked here against what its
// command takes, whichever command runs. An unknown section or key, a value
// of the wrong kind or a setting its command refuses is an error at its
// line and column, in the words the file uses.
package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	yaml "go.yaml.in/yaml/v4"

	"github.com/oomguard/oomguard/generate"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// DefaultPath is the config file read when none is named: in the current
// directory, when it exists.
const DefaultPath = ".oomguard.yaml"

// File is a config file, read and checked.
type File struct {
	// Path is the file read; "" when none was named and the default does
	// not exist.
	Path string
	// Lint is the configuration of lint: its defaults with the lint
	// section's settings.
	Lint *engine.Config
	// Generate is the generate section: changes to the pack's _config.
	Generate generate.Overrides
	// Servers is the servers section: the servers lint's online checks
	// ask.
	Servers []Server
}

// Error is a config that cannot be used, at the position of what is wrong
// when there is one.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// sections are the sections of the file, a command each, in the order
// messages list them.
var sections = []string{"generate", "lint", "test", "convert", "servers"}

// Load reads the config file at path; with path "" the default file, or the
// defaults when it does not exist. A file larger than maxSize bytes is
// refused (maxSize <= 0: rules.DefaultMaxFileSize).
func Load(path string, maxSize int64) (*File, error) {
	name, required := path, true
	if name == "" {
		name, required = DefaultPath, false
	}
	data, err := rules.ReadRegular(name, maxSize)
	if err != nil {
		if !required && errors.Is(err, os.ErrNotExist) {
			return &File{Lint: engine.DefaultConfig()}, nil
		}
		return nil, &Error{File: name, Msg: strings.TrimPrefix(err.Error(), name+": ")}
	}
	return Parse(name, data)
}

// Parse reads the text of a config file; name is its path, for positions.
func Parse(name string, data []byte) (*File, error) {
	f := &File{Path: name, Lint: engine.DefaultConfig()}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		var le *yaml.LoadError
		if errors.As(err, &le) {
			return nil, &Error{File: name, Line: le.Mark.Line, Col: le.Mark.Column, Msg: "yaml: " + le.Message}
		}
		return nil, &Error{File: name, Msg: err.Error()}
	}
	if len(doc.Content) == 0 {
		return f, nil
	}
	r := &reader{file: name}
	root := resolve(doc.Content[0])
	if isNull(root) {
		return f, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, r.errorf(root, "the config must be a mapping of sections")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], resolve(root.Content[i+1])
		if seen[k.Value] {
			return nil, r.errorf(k, "section %q is set twice", k.Value)
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "generate":
			f.Generate, err = generate.DecodeSection(name, v)
			var ce *generate.ConfigError
			if errors.As(err, &ce) {
				err = &Error{File: name, Line: ce.Line, Col: ce.Col, Msg: ce.Msg}
			}
		case "lint":
			err = r.lint(f.Lint, v)
		case "test", "convert":
			err = r.empty(k.Value, v)
		case "servers":
			f.Servers, err = r.servers(v)
		default:
			err = r.errorf(k, "unknown section %q (known: %s)", k.Value, strings.Join(sections, ", "))
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// empty reads the section of a command that takes no settings.
func (r *reader) empty(section string, n *yaml.Node) error {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return r.errorf(n, "%s: want a mapping of settings, not %s", section, kindName(n))
	}
	if len(n.Content) > 0 {
		return r.errorf(n.Content[0], "%s: unknown key %q (oomguard %s takes no settings from the config)", section, n.Content[0].Value, section)
	}
	return nil
}

// reader reads the nodes of a config file.
type reader struct{ file string }

func (r *reader) errorf(n *yaml.Node, format string, args ...any) *Error {
	return &Error{File: r.file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)}
}

// pair is a key of a mapping and its value.
type pair struct{ key, value *yaml.Node }

// mapping returns the keys and values of n, a mapping of the keys known,
// each at most once; what says what the mapping is in messages ("lint").
func (r *reader) mapping(n *yaml.Node, what string, known []string) ([]pair, error) {
	if n.Kind != yaml.MappingNode {
		return nil, r.errorf(n, "%s: want a mapping, not %s", what, kindName(n))
	}
	var out []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		switch {
		case !contains(known, k.Value):
			return nil, r.errorf(k, "%s: unknown key %q (known: %s)", what, k.Value, strings.Join(known, ", "))
		case seen[k.Value]:
			return nil, r.errorf(k, "%s: %s is set twice", what, k.Value)
		}
		seen[k.Value] = true
		out = append(out, pair{k, resolve(n.Content[i+1])})
	}
	return out, nil
}

// strings returns the items of n, a list of strings; what names the list,
// and items what is in it, in messages.
func (r *reader) strings(n *yaml.Node, what, items string) ([]string, []*yaml.Node, error) {
	if isNull(n) {
		return nil, nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, nil, r.errorf(n, "%s: want a list of %s, not %s", what, items, kindName(n))
	}
	var out []string
	var nodes []*yaml.Node
	for _, item := range n.Content {
		item = resolve(item)
		if item.Kind != yaml.ScalarNode || isNull(item) {
			return nil, nil, r.errorf(item, "%s: want a list of %s, not a list of %s", what, items, kindName(item))
		}
		out = append(out, item.Value)
		nodes = append(nodes, item)
	}
	return out, nodes, nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode && hops < 100; hops++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// kindName names what a node holds, as messages say it.
func kindName(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
