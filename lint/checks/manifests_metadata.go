package checks

import (
	"strings"

	"k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// ManifestsMetadata reports PrometheusRule metadata the apiserver refuses.
var ManifestsMetadata = &engine.Check{
	ID:       "manifests/metadata",
	Title:    "PrometheusRule metadata the apiserver refuses",
	Severity: engine.Error,
	Doc:      doc("manifests/metadata"),
	File: func(c *engine.FileContext) {
		for _, d := range c.File.Docs {
			if d.Kind != rules.KindPrometheusRule || d.Meta == nil {
				continue
			}
			m := d.Meta
			at := func(s rules.Str) rules.Pos {
				if s.Pos.IsValid() {
					return s.Pos
				}
				return d.Pos
			}
			if m.Name.Value == "" {
				c.Report(nil, nil, d.Pos, "", "PrometheusRule has no metadata.name")
			} else {
				for _, msg := range validation.NameIsDNSSubdomain(m.Name.Value, false) {
					c.Report(nil, nil, at(m.Name), "", "metadata.name %q: %s", m.Name.Value, msg)
				}
			}
			if m.Namespace.Value != "" {
				for _, msg := range validation.ValidateNamespaceName(m.Namespace.Value, false) {
					c.Report(nil, nil, at(m.Namespace), "", "metadata.namespace %q: %s", m.Namespace.Value, msg)
				}
			}
			// One entry at a time, so that each error has its line.
			for _, p := range m.Labels {
				for _, e := range metav1validation.ValidateLabels(map[string]string{p.Key.Value: p.Value.Value}, field.NewPath("metadata", "labels")) {
					c.Report(nil, nil, at(p.Key), "", "%s", strings.TrimSpace(e.Error()))
				}
			}
			for _, p := range m.Annotations {
				for _, e := range validation.ValidateAnnotations(map[string]string{p.Key.Value: p.Value.Value}, field.NewPath("metadata", "annotations")) {
					c.Report(nil, nil, at(p.Key), "", "%s", strings.TrimSpace(e.Error()))
				}
			}
		}
	},
}
