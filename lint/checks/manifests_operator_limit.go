package checks

import (
	"encoding/json"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/kubectl"
	"github.com/oomguard/oomguard/rules"
)

// operatorLimit is the most the Prometheus Operator puts in one ConfigMap
// of rule files: half of the 1 MiB a ConfigMap may hold.
const operatorLimit = 512 << 10

// ManifestsOperatorLimit reports PrometheusRules the Prometheus Operator
// cannot hand to Prometheus.
var ManifestsOperatorLimit = &engine.Check{
	ID:       "manifests/operator-limit",
	Title:    "PrometheusRule too large for the Prometheus Operator",
	Severity: engine.Error,
	Doc:      doc("manifests/operator-limit"),
	File: func(c *engine.FileContext) {
		kubectl.Each(c, func(d *rules.Document, mo kubectl.Object) {
			obj, err := mo.JSON, mo.Err
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
