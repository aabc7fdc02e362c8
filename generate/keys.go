package generate

import (
	"encoding/json"
	"sort"
)

// Key is a key --set takes: a dotted path to a value of the pack's
// _config, and its default as --set would write it.
type Key struct {
	Name, Default string
}

// Keys returns the keys --set takes, sorted: every value of the pack's
// _config that is not a mapping, and the mappings that take keys of the
// user's own (extraLabels).
func Keys() ([]Key, error) {
	defaults, err := defaultConfig()
	if err != nil {
		return nil, err
	}
	var keys []Key
	var walk func(path string, v any)
	walk = func(path string, v any) {
		if m, ok := v.(map[string]any); ok && !openMaps[path] && !openMaps[path+"."] {
			for k, sub := range m {
				walk(joinPath(path, k), sub)
			}
			return
		}
		def := ""
		if s, ok := v.(string); ok {
			def = s
		} else if b, err := json.Marshal(v); err == nil {
			def = string(b)
		}
		keys = append(keys, Key{Name: path, Default: def})
	}
	walk("", defaults)
	sort.Slice(keys, func(i, j int) bool { return keys[i].Name < keys[j].Name })
	return keys, nil
}
