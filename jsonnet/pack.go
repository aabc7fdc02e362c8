// Package jsonnet holds oomguard's container-resources rule pack, written
// once as a jsonnet mixin in the kubernetes-mixin layout, and evaluates it
// with go-jsonnet. The importer is sandboxed: the pack's own files are the
// only ones it can import.
package jsonnet

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"

	gojsonnet "github.com/google/go-jsonnet"
)

//go:embed mixin.libsonnet config.libsonnet schema.libsonnet jsonnetfile.json lib rules alerts tests
var files embed.FS

// Pack is the evaluated pack: each part is JSON.
type Pack struct {
	// Rules and Alerts are the mixin's prometheusRules and
	// prometheusAlerts: {"groups": [...]}.
	Rules  json.RawMessage
	Alerts json.RawMessage
	// Tests are the pack's promtool-format unit test files, by name
	// ({"pack_test.yaml": {...}, ...}: one file per evaluation step), for a
	// rule file named rules.yaml holding the rules and the alerts.
	Tests json.RawMessage
	// Config is the _config the pack was evaluated with.
	Config json.RawMessage
	// Names are the names of the pack's recording rules by role (the
	// mixin's _names: workingSet, oomScore, ...), for tools that read
	// what the pack records without restating its names.
	Names json.RawMessage
}

// Evaluate evaluates the pack with overrides merged into its _config (as
// a JSON merge patch: nested objects merge, null removes a key).
func Evaluate(overrides map[string]any) (*Pack, error) {
	p, err := evaluate(overrides, "rules", "alerts", "tests", "config")
	if err != nil {
		return nil, err
	}
	return &Pack{Rules: p["rules"], Alerts: p["alerts"], Tests: p["tests"], Config: p["config"]}, nil
}

// EvaluateRules is Evaluate for the rules and the alerts only, which cost a
// fraction of the tests.
func EvaluateRules(overrides map[string]any) (*Pack, error) {
	p, err := evaluate(overrides, "rules", "alerts")
	if err != nil {
		return nil, err
	}
	return &Pack{Rules: p["rules"], Alerts: p["alerts"]}, nil
}

// EvaluateRecorded is Evaluate for what a reader of the pack's recording
// rules needs (oomguard top): the rules, the _config and the names of the
// recording rules by role; Alerts and Tests stay nil.
func EvaluateRecorded(overrides map[string]any) (*Pack, error) {
	p, err := evaluate(overrides, "rules", "config", "names")
	if err != nil {
		return nil, err
	}
	return &Pack{Rules: p["rules"], Config: p["config"], Names: p["names"]}, nil
}

// Knobs returns the pack's _config with its defaults, and the schema of its
// knobs (schema.libsonnet): what each may hold.
func Knobs() (config, schema json.RawMessage, err error) {
	p, err := evaluate(nil, "config", "schema")
	if err != nil {
		return nil, nil, err
	}
	return p["config"], p["schema"], nil
}

// parts are the parts of the pack evaluate can return, by name.
const parts = `{
  rules: mixin.prometheusRules,
  alerts: mixin.prometheusAlerts,
  tests: mixin.prometheusTestFiles,
  config: mixin._config,
  names: mixin._names,
  schema: (mixin + (import 'schema.libsonnet'))._configSchema,
}`

// evaluate evaluates the named parts of the pack only: go-jsonnet is lazy,
// so what is left out costs nothing.
func evaluate(overrides map[string]any, names ...string) (map[string]json.RawMessage, error) {
	if overrides == nil {
		overrides = map[string]any{}
	}
	cfg, err := json.Marshal(overrides)
	if err != nil {
		return nil, err
	}
	want, _ := json.Marshal(names)
	vm := gojsonnet.MakeVM()
	vm.Importer(&embedImporter{})
	vm.ExtCode("oomguardConfig", string(cfg))
	out, err := vm.EvaluateAnonymousSnippet("oomguard.jsonnet", `
local mixin = (import 'mixin.libsonnet') + {
  _config:: std.mergePatch(super._config, std.extVar('oomguardConfig')),
};
local parts = `+parts+`;
{ [name]: parts[name] for name in `+string(want)+` }
`)
	if err != nil {
		return nil, fmt.Errorf("evaluating the pack: %w", err)
	}
	var p map[string]json.RawMessage
	return p, json.Unmarshal([]byte(out), &p)
}

// embedImporter imports from the embedded pack only.
type embedImporter struct {
	cache map[string]gojsonnet.Contents
}

func (i *embedImporter) Import(importedFrom, importedPath string) (gojsonnet.Contents, string, error) {
	if i.cache == nil {
		i.cache = map[string]gojsonnet.Contents{}
	}
	p := importedPath
	if !path.IsAbs(p) {
		p = path.Join(path.Dir(importedFrom), importedPath)
	}
	p = strings.TrimPrefix(path.Clean(p), "/")
	if c, ok := i.cache[p]; ok {
		return c, p, nil
	}
	data, err := files.ReadFile(p)
	if err != nil {
		return gojsonnet.Contents{}, "", fmt.Errorf("import %q: not a file of the pack", importedPath)
	}
	c := gojsonnet.MakeContents(string(data))
	i.cache[p] = c
	return c, p, nil
}

// Export writes the pack's sources under dir, for people who vendor the
// mixin by hand; it returns the files written, relative to dir.
func Export(dir string, write func(path string, data []byte) error) ([]string, error) {
	var written []string
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		if err := write(path.Join(dir, p), data); err != nil {
			return err
		}
		written = append(written, p)
		return nil
	})
	return written, err
}
