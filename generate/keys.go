package generate

import (
	"encoding/json"
	"sort"
	"strings"
)

// SetKey is a key --set takes: the dotted path of a knob of the pack's
// _config, its default as --set would write it, and what it may hold.
//
// A mapping of labels (extraLabels) takes keys of the user's own: its
// Name ends in "." (extraLabels.), a label name goes after it, and it has
// no Default.
type SetKey struct {
	Name, Default, What string
}

// Labels reports whether k is a mapping of labels, set one label at a time.
func (k SetKey) Labels() bool { return strings.HasSuffix(k.Name, ".") }

// SetKeys returns the keys --set takes, sorted: every value of the pack's
// _config that is not a mapping (booleans included, which the schema leaves
// out), and the mappings of labels. What comes from the knob's schema.
func SetKeys() ([]SetKey, error) {
	k, err := knobs()
	if err != nil {
		return nil, err
	}
	var keys []SetKey
	var walk func(path []string, def, schema any)
	walk = func(path []string, def, schema any) {
		r := ruleOf(schema)
		name := strings.Join(path, ".")
		if r != nil && r.Kind == "labels" {
			keys = append(keys, SetKey{Name: name + ".", What: what(r)})
			return
		}
		if m, ok := def.(map[string]any); ok && r == nil {
			sub, _ := schema.(map[string]any)
			for key, v := range m {
				walk(append(path[:len(path):len(path)], key), v, sub[key])
			}
			return
		}
		d := ""
		if s, ok := def.(string); ok {
			d = s
		} else if b, err := json.Marshal(def); err == nil {
			d = string(b)
		}
		w := what(r)
		if _, ok := def.(bool); ok && r == nil {
			w = "true or false"
		}
		keys = append(keys, SetKey{Name: name, Default: d, What: w})
	}
	walk(nil, any(k.defaults), any(k.schema))
	sort.Slice(keys, func(i, j int) bool { return keys[i].Name < keys[j].Name })
	return keys, nil
}

// what says in a few words what a knob of the rule may hold; nothing
// without a rule.
func what(r *rule) string {
	if r == nil {
		return ""
	}
	switch r.Kind {
	case "selector":
		return "label matchers"
	case "duration":
		return "a duration"
	case "oneOf":
		return strings.Join(r.Values, ", ")
	case "number":
		if r.What != "" {
			return r.What
		}
		return "a number"
	case "labelName":
		return "a label name"
	case "labelValue":
		return "a label value"
	case "labels":
		return "a label name, then =value"
	case "urlPattern":
		return "a URL with one %s"
	}
	return r.Kind
}
