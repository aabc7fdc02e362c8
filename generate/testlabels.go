package generate

import (
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
)

// testLabels are the labels of the pack's test series, _config.testLabels:
// the pack's tests give cAdvisor series the cadvisor labels, and
// kube-state-metrics series the kubeStateMetrics ones, then their own
// (namespace, pod, container, image, ...), with namespace and, in
// multi-cluster mode, the cluster label from namespace and cluster.
type testLabels struct {
	Cadvisor         map[string]string `json:"cadvisor"`
	KubeStateMetrics map[string]string `json:"kubeStateMetrics"`
	Kubelet          map[string]string `json:"kubelet"`
	Namespace        string            `json:"namespace"`
	Cluster          string            `json:"cluster"`
}

// sourced is a matcher with the knob it comes from.
type sourced struct {
	m   *labels.Matcher
	key string
}

// matchersOn returns the matchers on label in the selector knobs keys.
func (c *Config) matchersOn(label string, keys ...string) []sourced {
	var out []sourced
	for _, key := range keys {
		for _, m := range c.selectors[key] {
			if m.Name == label {
				out = append(out, sourced{m, key})
			}
		}
	}
	return out
}

// deriveTestLabels chooses the labels of the pack's test series so that
// the configured selectors select them: for every label a selector
// matches on, a value all its matchers accept (the namespace one for every
// selector at once, since the tests' cAdvisor and kube-state-metrics series
// share it). What the user set in testLabels stays, once checked against the
// selectors. A label no value can satisfy is an error at the selector.
func (c *Config) deriveTestLabels() error {
	k, err := knobs()
	if err != nil {
		return err
	}
	defaults := k.defaults["testLabels"].(map[string]any)
	tl := c.values["testLabels"].(map[string]any)
	clusterLabel := c.values["clusterLabel"].(string)
	multi := c.values["showMultiCluster"].(bool)

	ns, err := c.choose("namespace", "testLabels.namespace", []string{defaults["namespace"].(string)}, true, selectorKeys...)
	if err != nil {
		return err
	}
	cluster, _ := tl["cluster"].(string)
	if multi {
		if cluster, err = c.choose(clusterLabel, "testLabels.cluster", []string{defaults["cluster"].(string)}, true, selectorKeys...); err != nil {
			return err
		}
	}
	c.tests = testLabels{Namespace: ns, Cluster: cluster}
	for _, side := range []struct {
		field string
		out   *map[string]string
		keys  []string
	}{
		{"cadvisor", &c.tests.Cadvisor, []string{cadvisorSelector, namespaceSel}},
		{"kubeStateMetrics", &c.tests.KubeStateMetrics, []string{ksmSelector, namespaceSel}},
		{"kubelet", &c.tests.Kubelet, []string{kubeletSel}},
	} {
		out := map[string]string{}
		user, _ := tl[side.field].(map[string]any)
		for _, name := range c.labelNames(side.keys...) {
			var v string
			var err error
			switch {
			case name == "namespace":
				v = ns
			case name == clusterLabel && multi:
				v = cluster
			default:
				v, err = c.choose(name, "testLabels."+side.field+"."+name, nil, false, side.keys...)
			}
			if err != nil {
				return err
			}
			if v != "" {
				out[name] = v
			}
		}
		// Labels the user gave the test series beyond what the selectors
		// need.
		for name, v := range user {
			if _, ok := out[name]; !ok {
				out[name] = v.(string)
			}
		}
		*side.out = out
	}
	tl2 := map[string]any{
		"cadvisor":         c.tests.Cadvisor,
		"kubeStateMetrics": c.tests.KubeStateMetrics,
		"kubelet":          c.tests.Kubelet,
		"namespace":        c.tests.Namespace,
		"cluster":          c.tests.Cluster,
	}
	if names := c.clusterNames(clusterLabel, cluster); names != nil {
		tl2["clusters"] = names
	}
	c.overrides["testLabels"] = tl2
	return nil
}

// clusterNames are the cluster label values of the pack's scenarios with
// several clusters (up to five): distinct values every selector matching
// on the cluster label accepts, first among them when it does. Nil when no
// selector matches on it: the scenarios name their own clusters. Fewer
// than five when no more exist: the scenarios that need more are left out.
func (c *Config) clusterNames(label, first string) []string {
	ms := c.matchersOn(label, selectorKeys...)
	if len(ms) == 0 {
		return nil
	}
	var found []string
	accepts := func(v string) bool {
		for _, m := range ms {
			if !m.m.Matches(v) {
				return false
			}
		}
		return true
	}
	if first != "" && accepts(first) {
		found = append(found, first)
	}
	for len(found) < 5 {
		var others []*labels.Matcher
		for _, m := range ms {
			others = append(others, m.m)
		}
		for _, v := range found {
			others = append(others, labels.MustNewMatcher(labels.MatchNotEqual, label, v))
		}
		v, ok, _ := witness(others, nil, true)
		if !ok {
			break
		}
		found = append(found, v)
	}
	return found
}

// labelNames are the labels the selector knobs keys match on, sorted.
func (c *Config) labelNames(keys ...string) []string {
	seen := map[string]bool{}
	for _, key := range keys {
		for _, m := range c.selectors[key] {
			seen[m.Name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// choose returns the value of label for the test series, accepted by the
// matchers of the selector knobs keys: the one the user set at override
// (a testLabels key), checked, or one witness finds. prefer comes first
// when it fits; nonEmpty refuses leaving the label out.
func (c *Config) choose(label, override string, prefer []string, nonEmpty bool, keys ...string) (string, error) {
	ms := c.matchersOn(label, keys...)
	if s, ok := c.set[override]; ok {
		v, _ := s.Value.(string)
		for _, m := range ms {
			if !m.m.Matches(v) {
				return "", s.At.errorf("%s %s is not selected by %s: it does not match %s", override, show(v), m.key, m.m)
			}
		}
		return v, nil
	}
	if len(ms) == 0 {
		if len(prefer) > 0 {
			return prefer[0], nil
		}
		return "", nil
	}
	plain := make([]*labels.Matcher, len(ms))
	for i, m := range ms {
		plain[i] = m.m
	}
	v, ok, tried := witness(plain, prefer, nonEmpty)
	if ok {
		return v, nil
	}
	return "", c.noValue(label, override, ms, nonEmpty, tried)
}

// noValue says that no value of label satisfies ms, at the last selector
// among them that the user set.
func (c *Config) noValue(label, override string, ms []sourced, nonEmpty bool, tried int) error {
	var at Origin
	var knobs []string
	for _, m := range ms {
		if _, ok := c.set[m.key]; ok {
			at = c.at(m.key)
		}
		if len(knobs) == 0 || knobs[len(knobs)-1] != m.key {
			knobs = append(knobs, m.key)
		}
	}
	who := strings.Join(knobs, " and ")
	for _, m := range ms {
		if m.m.Type != labels.MatchEqual {
			continue
		}
		v := m.m.Value
		if v == "" && nonEmpty {
			return at.errorf("%s: %s leaves the pack's test series without the %s label they need", who, m.m, label)
		}
		if !writable(v) {
			return at.errorf("%s: %s: %s", who, m.m, checkLabelValue(v, false))
		}
		for _, other := range ms {
			if !other.m.Matches(v) {
				if len(knobs) == 1 {
					return at.errorf("%s: no series has %s=%q, which %s asks for and %s refuses", who, label, v, m.m, other.m)
				}
				return at.errorf("%s: no series has %s=%q, which %s (%s) asks for and %s (%s) refuses", who, label, v, m.m, m.key, other.m, other.key)
			}
		}
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.m.String()
		if len(knobs) > 1 {
			parts[i] += " (" + m.key + ")"
		}
	}
	accept := "accepts"
	if len(ms) > 1 {
		accept = "all accept"
	}
	return at.errorf("%s: found no %s that %s %s (tried %d values); if one exists, set %s to it",
		who, label, strings.Join(parts, ", "), accept, tried, override)
}
