package checks

import (
	"k8s.io/apimachinery/pkg/labels"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// ManifestsRuleSelector reports PrometheusRules the configured Prometheus
// does not select.
var ManifestsRuleSelector = &engine.Check{
	ID:       "manifests/rule-selector",
	Title:    "PrometheusRule the configured Prometheus does not select",
	Severity: engine.Error,
	Doc:      doc("manifests/rule-selector"),
	File: func(c *engine.FileContext) {
		sel := c.Config.RuleSelector
		if sel == nil {
			return
		}
		for _, d := range c.File.Docs {
			if d.Kind != rules.KindPrometheusRule || d.Meta == nil {
				continue
			}
			set := labels.Set{}
			for _, p := range d.Meta.Labels {
				set[p.Key.Value] = p.Value.Value
			}
			if sel.Matches(set) {
				continue
			}
			pos := d.Pos
			if len(d.Meta.Labels) > 0 && d.Meta.Labels[0].Key.Pos.IsValid() {
				pos = d.Meta.Labels[0].Key.Pos
			} else if d.Meta.Name.Pos.IsValid() {
				pos = d.Meta.Name.Pos
			}
			shown := set.String()
			if shown == "" {
				shown = "none"
			}
			c.Report(nil, nil, pos, "", "the Prometheus's ruleSelector %q does not select this PrometheusRule (labels: %s): the operator ignores it and its rules never run", c.Config.RuleSelectorText, shown)
		}
	},
}
