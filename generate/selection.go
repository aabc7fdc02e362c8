package generate

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/jsonnet"
)

// markers stand for the selector knobs in an evaluation of the rules that
// tells, for every vector selector, which knobs the pack joined into it
// and which matchers are its own.
var markers = map[string]string{
	cadvisorSelector: "__oomguard_cadvisor",
	ksmSelector:      "__oomguard_kube_state_metrics",
	namespaceSel:     "__oomguard_namespace",
	kubeletSel:       "__oomguard_kubelet",
}

// ruleSelector is a vector selector of one of the pack's rules.
type ruleSelector struct {
	rule   string
	metric string
	// own are the pack's own matchers, knobs the selector knobs it joins.
	own   []*labels.Matcher
	knobs []string
}

// ruleSelectors evaluates the rules and alerts with markers for the
// selector knobs and returns their vector selectors. An expression that
// does not parse is left out: loading the real rules reports it.
func (c *Config) ruleSelectors() ([]ruleSelector, error) {
	o := merge(c.overrides, nil)
	for key, marker := range markers {
		o[key] = marker + `="1"`
	}
	p, err := jsonnet.EvaluateRules(o)
	if err != nil {
		return nil, &ConfigError{Msg: err.Error()}
	}
	var out []ruleSelector
	for _, part := range []json.RawMessage{p.Rules, p.Alerts} {
		var file struct {
			Groups []struct {
				Rules []struct{ Record, Alert, Expr string }
			}
		}
		if err := json.Unmarshal(part, &file); err != nil {
			return nil, err
		}
		for _, g := range file.Groups {
			for _, r := range g.Rules {
				expr, err := parser.NewParser(parser.Options{}).ParseExpr(r.Expr)
				if err != nil {
					continue
				}
				parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
					vs, ok := n.(*parser.VectorSelector)
					if !ok {
						return nil
					}
					rs := ruleSelector{rule: r.Record + r.Alert, metric: vs.Name}
					for _, m := range vs.LabelMatchers {
						switch key := knobOf(m.Name); {
						case key != "":
							rs.knobs = append(rs.knobs, key)
						case m.Name == model.MetricNameLabel:
							rs.metric = m.Value
						default:
							rs.own = append(rs.own, m)
						}
					}
					out = append(out, rs)
					return nil
				})
			}
		}
	}
	return out, nil
}

func knobOf(marker string) string {
	for key, m := range markers {
		if m == marker {
			return key
		}
	}
	return ""
}

// selects says whether the pack's own matchers of rs accept ls.
func (rs ruleSelector) selects(ls labels.Labels) bool {
	if ls.Get(model.MetricNameLabel) != rs.metric {
		return false
	}
	for _, m := range rs.own {
		if !m.Matches(ls.Get(m.Name)) {
			return false
		}
	}
	return true
}

// checkTestSeries checks the input series of the pack's tests (the
// evaluated test files, JSON by file name) against the selectors: a series one of the
// pack's rules selects, by its own matchers and the default selectors,
// must pass the selector knobs joined into that rule. The labels derived
// from the selectors do by construction; those the tests set themselves
// (pod, container, image, node, ...) may not, and then the selector cannot
// be tested: an error at the selector, before any test runs. A series the
// default selectors refuse too is one the tests mean to be left out (the
// kubelet's /metrics/resource beside /metrics/cadvisor, say).
func (c *Config) checkTestSeries(tests json.RawMessage, sels []ruleSelector) error {
	// The test files by name; their groups in the order of the names.
	type group struct {
		Name        string `json:"name"`
		InputSeries []struct {
			Series string `json:"series"`
		} `json:"input_series"`
	}
	var files map[string]struct {
		Tests []group `json:"tests"`
	}
	if err := json.Unmarshal(tests, &files); err != nil {
		return err
	}
	var groups []group
	for _, name := range slices.Sorted(maps.Keys(files)) {
		groups = append(groups, files[name].Tests...)
	}
	p := parser.NewParser(parser.Options{})
	for _, group := range groups {
		for _, in := range group.InputSeries {
			ls, err := p.ParseMetric(in.Series)
			if err != nil {
				// The test run reports it.
				continue
			}
			for _, rs := range sels {
				if len(rs.knobs) == 0 || !rs.selects(ls) {
					continue
				}
				for _, key := range rs.knobs {
					for _, m := range c.selectors[key] {
						v := ls.Get(m.Name)
						if m.Matches(v) || !accepts(c.defaults[key], m.Name, v) {
							continue
						}
						has := fmt.Sprintf("%s=%q, a label the tests set themselves", m.Name, v)
						if v == "" {
							has = "no " + m.Name + " label"
						}
						return c.at(key).errorf("%s: %s refuses the pack's test series %s (test group %q), which has %s: the pack cannot test this selector",
							key, m, ls.Get(model.MetricNameLabel), group.Name, has)
					}
				}
			}
		}
	}
	return nil
}

// accepts says whether every matcher of ms on label accepts v.
func accepts(ms []*labels.Matcher, label, v string) bool {
	for _, m := range ms {
		if m.Name == label && !m.Matches(v) {
			return false
		}
	}
	return true
}

// resourceMetrics are the container series the kubelet serves on
// /metrics/resource (pkg/kubelet/metrics/collectors/resource_metrics.go,
// Kubernetes 1.37), labelled container, pod and namespace only (and the
// target's labels from the scrape). The first three are cAdvisor's too.
var resourceMetrics = []string{
	"container_cpu_usage_seconds_total",
	"container_memory_working_set_bytes",
	"container_start_time_seconds",
	"container_swap_usage_bytes",
	"container_swap_limit_bytes",
}

// cadvisorOnly are labels of cAdvisor's series that /metrics/resource's
// lack.
var cadvisorOnly = []string{"id", "image", "name"}

// Warning is a configuration that works but may not do what was meant.
type Warning struct {
	Origin
	Msg string
}

func (w Warning) String() string {
	if at := w.Origin.String(); at != "" {
		return at + ": warning: " + w.Msg
	}
	return "warning: " + w.Msg
}

// warnings looks for what the configuration makes the pack count twice:
// a cAdvisor selector without metrics_path also selects the series the
// kubelet serves on /metrics/resource.
func (c *Config) warnings(sels []ruleSelector) []Warning {
	sc := c.selectors[cadvisorSelector]
	for _, m := range sc {
		if m.Name == "metrics_path" {
			return nil
		}
		// A matcher that needs a label /metrics/resource's series do not
		// have keeps them out.
		if slices.Contains(cadvisorOnly, m.Name) && !m.Matches("") {
			return nil
		}
	}
	read := map[string][]string{}
	for _, rs := range sels {
		if !slices.Contains(rs.knobs, cadvisorSelector) || !slices.Contains(resourceMetrics, rs.metric) {
			continue
		}
		series := labels.FromStrings(model.MetricNameLabel, rs.metric, "container", "c", "pod", "p", "namespace", c.tests.Namespace)
		if rs.selects(series) && !slices.Contains(read[rs.metric], rs.rule) {
			read[rs.metric] = append(read[rs.metric], rs.rule)
		}
	}
	msg := fmt.Sprintf("%s has no metrics_path matcher: where its job also scrapes the kubelet's /metrics/resource, it selects %s from there too, with only the container, pod and namespace labels, beside cAdvisor's own",
		cadvisorSelector, strings.Join(resourceMetrics[:3], ", "))
	if len(read) == 0 {
		msg += "; the pack's rules keep them out with their own matchers (/metrics/resource has no image or id label), but anything else that uses this selector counts them twice"
	} else {
		metrics := make([]string, 0, len(read))
		for metric := range read {
			metrics = append(metrics, metric)
		}
		sort.Strings(metrics)
		var what []string
		for _, metric := range metrics {
			what = append(what, metric+" in "+strings.Join(read[metric], ", "))
		}
		msg += "; the pack counts them twice: " + strings.Join(what, "; ")
	}
	msg += `. Add metrics_path="/metrics/cadvisor"`
	return []Warning{{Origin: c.at(cadvisorSelector), Msg: msg}}
}
