package generate

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// knobs are the pack's _config with its defaults and the schema of its
// knobs (jsonnet/schema.libsonnet), evaluated once. The pack is the one
// place that says which knobs exist and what each may hold.
var knobs = sync.OnceValues(func() (*knobSet, error) {
	config, schema, err := knobsOfPack()
	if err != nil {
		return nil, fmt.Errorf("the pack does not evaluate: %w", err)
	}
	k := &knobSet{}
	if err := json.Unmarshal(config, &k.defaults); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(schema, &k.schema); err != nil {
		return nil, err
	}
	return k, nil
})

type knobSet struct {
	defaults map[string]any
	// schema mirrors defaults; where a knob is, it holds the knob's rule
	// as JSON (an object with a kind).
	schema map[string]any
}

// rule is what one knob may hold: an entry of the schema.
type rule struct {
	Kind     string   `json:"kind"`
	Values   []string `json:"values"`
	Min      *float64 `json:"min"`
	Max      *float64 `json:"max"`
	MinOpen  bool     `json:"minOpen"`
	MaxOpen  bool     `json:"maxOpen"`
	Integer  bool     `json:"integer"`
	What     string   `json:"what"`
	NonZero  bool     `json:"nonZero"`
	NonEmpty bool     `json:"nonEmpty"`
	NotIn    []string `json:"notIn"`
}

// ruleOf reads a schema node as a rule, when it is one.
func ruleOf(node any) *rule {
	m, ok := node.(map[string]any)
	if !ok {
		return nil
	}
	if _, ok := m["kind"].(string); !ok {
		return nil
	}
	b, _ := json.Marshal(m)
	var r rule
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	return &r
}

// Config is a checked configuration of the pack.
type Config struct {
	// overrides is the configuration as a merge patch of _config.
	overrides map[string]any
	// values is the _config the pack will see: defaults and overrides.
	values map[string]any
	// set is the last setting of each dotted key.
	set map[string]Setting
	// selectors are the parsed selector knobs, by key, and defaults the
	// pack's default selectors.
	selectors, defaults map[string][]*labels.Matcher
	// tests are the labels of the pack's test series, derived from the
	// selectors (testlabels.go).
	tests testLabels
}

// Check checks settings against the pack's knobs: every key must be a
// knob, every value of the knob's type and within what the knob may hold
// (a Prometheus duration, a selector that parses, a threshold in its
// range, one of an enumeration's values), and the selectors must leave the
// pack's unit tests series they can build. The first problem is returned
// as a *ConfigError at the setting's origin.
func Check(settings []Setting) (*Config, error) {
	k, err := knobs()
	if err != nil {
		return nil, err
	}
	c := &Config{overrides: map[string]any{}, set: map[string]Setting{}, selectors: map[string][]*labels.Matcher{}, defaults: map[string][]*labels.Matcher{}}
	for _, s := range settings {
		if err := k.check(s); err != nil {
			return nil, err
		}
		if m, ok := s.Value.(map[string]any); ok && len(m) == 0 {
			// An empty mapping changes nothing.
			continue
		}
		put(c.overrides, s.Path, s.Value)
		c.set[s.Key()] = s
	}
	c.values = merge(k.defaults, c.overrides)
	for _, key := range selectorKeys {
		text, _ := c.values[key].(string)
		ms, msg := parseSelector(text)
		if msg != "" {
			return nil, c.at(key).errorf("%s %s", key, msg)
		}
		c.selectors[key] = ms
		text, _ = k.defaults[key].(string)
		if c.defaults[key], msg = parseSelector(text); msg != "" {
			return nil, fmt.Errorf("the pack's default %s %s", key, msg)
		}
	}
	if err := c.deriveTestLabels(); err != nil {
		return nil, err
	}
	return c, nil
}

// Patch is the configuration as a JSON merge patch of the pack's _config
// (what jsonnet.Evaluate takes), a copy of its own.
func (c *Config) Patch() map[string]any {
	data, _ := json.Marshal(c.overrides)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return m
}

// at is where key was set; nothing when it holds its default.
func (c *Config) at(key string) Origin { return c.set[key].At }

// check checks one setting against the knob it names.
func (k *knobSet) check(s Setting) error {
	var def any = k.defaults
	var sch any = k.schema
	for i, part := range s.Path {
		if r := ruleOf(sch); r != nil && r.Kind == "labels" {
			// A mapping of labels: any name, one level deep.
			if i != len(s.Path)-1 {
				return part.At.errorf("%s is a label of %s: it takes a string, not keys below it", joinKeys(s.Path, i+1), joinKeys(s.Path, i))
			}
			if msg := checkLabelName(part.Name, r.NotIn); msg != "" {
				return part.At.errorf("%s: %s", joinKeys(s.Path, i), msg)
			}
			v, ok := s.Value.(string)
			if !ok {
				return s.At.errorf("%s must be a string, not %s", s.Key(), show(s.Value))
			}
			if msg := checkLabelValue(v, false); msg != "" {
				return s.At.errorf("%s %s", s.Key(), msg)
			}
			return nil
		}
		m, ok := def.(map[string]any)
		if !ok {
			return part.At.errorf("%s is a %s: it has no keys below it", joinKeys(s.Path, i), typeName(def))
		}
		d, known := m[part.Name]
		if !known {
			return part.At.errorf("unknown key %s (known: %s)", joinKeys(s.Path, i+1), strings.Join(keysOf(m), ", "))
		}
		def = d
		if sm, ok := sch.(map[string]any); ok {
			sch = sm[part.Name]
		} else {
			sch = nil
		}
	}
	key := s.Key()
	r := ruleOf(sch)
	if m, isMap := s.Value.(map[string]any); isMap && len(m) == 0 {
		if _, ok := def.(map[string]any); ok || (r != nil && r.Kind == "labels") {
			return nil
		}
	}
	if r != nil && r.Kind == "labels" {
		return s.At.errorf("%s must be a mapping of label names to values", key)
	}
	if r != nil && r.Kind == "duration" {
		if _, ok := s.Value.(string); !ok {
			return s.At.errorf("%s must be a Prometheus duration such as 15m or 1h30m, not %s", key, show(s.Value))
		}
	}
	if typeName(s.Value) != typeName(def) {
		return s.At.errorf("%s must be a %s, not %s", key, typeName(def), show(s.Value))
	}
	if r == nil {
		return nil
	}
	if msg := r.check(s.Value); msg != "" {
		return s.At.errorf("%s %s", key, msg)
	}
	return nil
}

// check says what is wrong with v for the rule, or nothing. The message
// follows the knob's key.
func (r *rule) check(v any) string {
	switch r.Kind {
	case "selector":
		_, msg := parseSelector(v.(string))
		return msg
	case "duration":
		d, err := model.ParseDuration(v.(string))
		if err != nil {
			return fmt.Sprintf("must be a Prometheus duration such as 15m or 1h30m, not %s", show(v))
		}
		if r.NonZero && d == 0 {
			return "must be longer than 0"
		}
	case "oneOf":
		if !slices.Contains(r.Values, v.(string)) {
			return fmt.Sprintf("must be %s, not %s", orList(r.Values), show(v))
		}
	case "number":
		return r.checkNumber(toFloat(v))
	case "labelName":
		return checkLabelName(v.(string), r.NotIn)
	case "labelValue":
		return checkLabelValue(v.(string), r.NonEmpty)
	case "urlPattern":
		return checkURLPattern(v.(string))
	default:
		return fmt.Sprintf("has a kind the schema does not define: %q", r.Kind)
	}
	return ""
}

func (r *rule) checkNumber(f float64) string {
	what := ""
	if r.What != "" {
		what = " (" + r.What + ")"
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprintf("must be a finite number%s, not %s", what, num(f))
	}
	if r.Integer && f != math.Trunc(f) {
		return fmt.Sprintf("must be a whole number%s, not %s", what, num(f))
	}
	low := r.Min != nil && (f < *r.Min || r.MinOpen && f == *r.Min)
	high := r.Max != nil && (f > *r.Max || r.MaxOpen && f == *r.Max)
	if !low && !high {
		return ""
	}
	var bounds []string
	if r.Min != nil {
		word := "at least "
		if r.MinOpen {
			word = "above "
		}
		bounds = append(bounds, word+num(*r.Min))
	}
	if r.Max != nil {
		word := "at most "
		if r.MaxOpen {
			word = "below "
		}
		bounds = append(bounds, word+num(*r.Max))
	}
	return fmt.Sprintf("must be %s%s, not %s", strings.Join(bounds, " and "), what, num(f))
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func toFloat(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case uint64:
		return float64(n)
	}
	return math.NaN()
}

var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// checkLabelName accepts the label names the pack's rules and test series
// can write unquoted.
func checkLabelName(name string, notIn []string) string {
	switch {
	case !labelName.MatchString(name):
		return fmt.Sprintf("%q is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)", name)
	case strings.HasPrefix(name, "__"):
		return fmt.Sprintf("%q: labels that start with __ are reserved", name)
	case slices.Contains(notIn, name):
		return fmt.Sprintf("cannot be %q: the pack's rules set that label themselves", name)
	}
	return ""
}

// checkLabelValue accepts the values the pack's test series can hold: its
// tests write them between double quotes as they are.
func checkLabelValue(v string, nonEmpty bool) string {
	if nonEmpty && v == "" {
		return "cannot be empty"
	}
	if !writable(v) {
		return fmt.Sprintf("cannot hold %s: the pack's test series write label values as they are, and \", \\ and control characters would break them", show(v))
	}
	return ""
}

// writable says whether the pack's tests can write v in a series
// between double quotes without escaping it.
func writable(v string) bool {
	if !utf8.ValidString(v) {
		return false
	}
	for _, r := range v {
		if r == '"' || r == '\\' || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// checkURLPattern accepts a URL with one %s (the alert's name) and no other
// verb, as jsonnet's % operator formats it.
func checkURLPattern(p string) string {
	verbs := 0
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			continue
		}
		if i+1 < len(p) && p[i+1] == '%' {
			i++
			continue
		}
		if i+1 >= len(p) || p[i+1] != 's' {
			return fmt.Sprintf("%s: a %% must be %%s (the alert's name) or %%%% (a percent sign)", show(p))
		}
		verbs++
	}
	if verbs != 1 {
		return fmt.Sprintf("must hold %%s once, for the alert's name, not %d times: %s", verbs, show(p))
	}
	return ""
}

func orList(vs []string) string {
	if len(vs) < 2 {
		return strings.Join(vs, "")
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// put sets path in m to v, making the mappings on the way.
func put(m map[string]any, path []Key, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k.Name].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k.Name] = next
		}
		m = next
	}
	m[path[len(path)-1].Name] = v
}

// merge returns base with over merged in, as a JSON merge patch would.
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
