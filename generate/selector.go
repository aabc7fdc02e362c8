package generate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// The selector knobs, and what each selects: the pack joins each with its
// own matchers inside {...}.
const (
	cadvisorSelector = "cadvisorSelector"
	ksmSelector      = "kubeStateMetricsSelector"
	namespaceSel     = "namespaceSelector"
	// The kubelet's own /metrics, for kubelet_cgroup_version.
	kubeletSel = "kubeletSelector"
)

var selectorKeys = []string{cadvisorSelector, ksmSelector, namespaceSel, kubeletSel}

// parseSelector parses a selector knob, the matchers as written inside
// {...}, with the PromQL parser. It returns the matchers, or what is wrong
// with text, worded to follow the knob's key.
func parseSelector(text string) ([]*labels.Matcher, string) {
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		return nil, ""
	}
	if strings.HasPrefix(trimmed, "{") {
		return nil, fmt.Sprintf("%s: write the matchers without the braces: the pack puts them inside its own", show(text))
	}
	if strings.HasSuffix(trimmed, ",") {
		return nil, fmt.Sprintf("%s ends with a comma: the pack joins it with its own matchers", show(text))
	}
	ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector("{" + text + "}")
	if err != nil {
		msg := err.Error()
		var pe parser.ParseErrors
		if errors.As(err, &pe) && len(pe) > 0 {
			// The position is in the braces we added: one character on.
			msg = fmt.Sprintf("%v (at character %d)", pe[0].Err, max(int(pe[0].PositionRange.Start), 1))
		}
		return nil, fmt.Sprintf("%s is not a selector: %s", show(text), msg)
	}
	for _, m := range ms {
		switch {
		case m.Name == model.MetricNameLabel:
			return nil, fmt.Sprintf("%s: selects a metric name (%s); the pack chooses its metrics", show(text), m)
		case !labelName.MatchString(m.Name) || strings.HasPrefix(m.Name, "__"):
			return nil, fmt.Sprintf("%s: %q is not a label the pack's test series can hold ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)", show(text), m.Name)
		}
	}
	return ms, ""
}
