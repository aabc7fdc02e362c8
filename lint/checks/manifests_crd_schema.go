package checks

import (
	"strings"

	"github.com/oomguard/oomguard/internal/crd"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/kubectl"
	"github.com/oomguard/oomguard/rules"
)

// ManifestsCRDSchema reports what the apiserver serving the PrometheusRule
// CRD refuses.
var ManifestsCRDSchema = &engine.Check{
	ID:       "manifests/crd-schema",
	Title:    "PrometheusRule the apiserver refuses under the CRD's schema",
	Severity: engine.Error,
	Doc:      doc("manifests/crd-schema"),
	File: func(c *engine.FileContext) {
		kubectl.Each(c, func(d *rules.Document, o kubectl.Object) {
			kd, obj, err := o.Doc, o.JSON, o.Err
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
				if p, ok := kd.Locate(d.Item, path); ok {
					return p
				}
				return d.Pos
			}
			for _, e := range res.Errors {
				// apiVersion and kind are the loader's (syntax/invalid, with
				// what was meant): one error for one mistake.
				if metadataField(e.Path) || e.Path == "apiVersion" || e.Path == "kind" {
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
