package checks

import (
	"encoding/json"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

// operatorLimit is the most the Prometheus Operator puts in one ConfigMap
// of rule files: half of the 1 MiB a ConfigMap may hold.
const operatorLimit = 512 << 10

// ManifestsOperatorLimit reports PrometheusRules the Prometheus Operator
// cannot hand to Prometheus.
var ManifestsOperatorLimit = &lint.Check{
	ID:       "manifests/operator-limit",
	Title:    "PrometheusRule too large for the Prometheus Operator",
	Severity: lint.Error,
	Doc: `The Prometheus Operator turns each PrometheusRule into a rule file (its
` + "`spec`" + ` as YAML) and packs the rule files into ConfigMaps of at most 512 KiB
(half of what a ConfigMap may hold). A single rule file over that cannot be
packed: the apiserver stores the PrometheusRule, and the operator fails to
reconcile the Prometheus that selects it, so no rule change reaches that
Prometheus until the object is split. The size counted is the spec as YAML,
as the operator writes it.`,
	File: func(c *lint.FileContext) {
		eachManifest(c, func(d *rules.Document, mo kubeObject) {
			obj, err := mo.json, mo.err
			// A rule file is at least a third of its JSON: skip the
			// conversion for the small ones.
			if err != nil || len(obj) < operatorLimit/3 {
				return
			}
			var o struct {
				Spec json.RawMessage `json:"spec"`
			}
			if json.Unmarshal(obj, &o) != nil || o.Spec == nil {
				return
			}
			y, err := sigsyaml.JSONToYAML(o.Spec)
			if err != nil {
				return
			}
			if len(y) > operatorLimit {
				c.Report(nil, nil, d.Pos, "", "PrometheusRule's rule file is %d bytes, over the %d bytes the Prometheus Operator packs into one ConfigMap: the operator cannot reconcile the Prometheus that selects it; split it", len(y), operatorLimit)
			}
		})
	},
}
