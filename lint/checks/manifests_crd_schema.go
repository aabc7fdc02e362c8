package checks

import (
	"strings"

	"github.com/oomguard/oomguard/internal/crd"
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/rules"
)

// ManifestsCRDSchema reports what the apiserver serving the PrometheusRule
// CRD refuses.
var ManifestsCRDSchema = &lint.Check{
	ID:       "manifests/crd-schema",
	Title:    "PrometheusRule the apiserver refuses under the CRD's schema",
	Severity: lint.Error,
	Doc: `Checks each PrometheusRule as ` + "`kubectl apply`" + ` sends it and as a kube-apiserver
serving the Prometheus Operator's CRD checks it, with the apiserver's own
validation code and the CRD pinned in this release: types, patterns (durations,
` + "`partial_response_strategy`" + `), enums, required fields, unique group names, and
fields the schema does not know, which ` + "`kubectl apply`" + ` refuses (it asks for strict
field validation).

kubectl reads YAML 1.1: ` + "`severity: yes`" + ` or ` + "`team: no`" + ` arrive as booleans, and the
schema wants strings there, while Prometheus reads the same text as strings.
Quote such values.

Metadata (name, namespace, label and annotation syntax) is
manifests/metadata's; this check leaves it alone.

    metadata:
      name: memory
      lables: {prometheus: k8s}   # unknown field "metadata.lables"
    spec:
      groups:
        - name: memory
          partial_response_strategy: ignore   # should match '^(?i)(abort|warn)?$'`,
	File: func(c *lint.FileContext) {
		eachManifest(c, func(d *rules.Document, o kubeObject) {
			kd, obj, err := o.doc, o.json, o.err
			if err != nil {
				c.Report(nil, nil, d.Pos, "", "kubectl cannot read this document: %v", err)
				return
			}
			res, err := crd.ValidatePrometheusRule(obj)
			if err != nil {
				c.Report(nil, nil, d.Pos, "", "the apiserver cannot read this document: %v", err)
				return
			}
			at := func(path string) rules.Pos {
				if p, ok := kd.locate(d.Item, path); ok {
					return p
				}
				return d.Pos
			}
			for _, e := range res.Errors {
				if metadataField(e.Path) {
					continue
				}
				c.Report(nil, nil, at(e.Path), "", "the apiserver refuses this PrometheusRule: %s", e.Error())
			}
			for _, e := range res.StrictErrors {
				path := e
				if q := strings.IndexByte(e, '"'); q >= 0 {
					path = strings.Trim(e[q:], `"`)
				}
				c.Report(nil, nil, at(path), "", "kubectl apply refuses this PrometheusRule (strict field validation): %s", e)
			}
		})
	},
}

// metadataField reports whether an apiserver error path is one that
// manifests/metadata checks.
func metadataField(path string) bool {
	for _, p := range []string{"metadata.name", "metadata.namespace", "metadata.labels", "metadata.annotations"} {
		if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}
