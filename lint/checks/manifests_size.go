package checks

import (
	"encoding/json"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/kubectl"
	"github.com/oomguard/oomguard/rules"
)

const (
	// annotationsLimit is the apiserver's limit on the total size of an
	// object's annotations, keys and values.
	annotationsLimit = 256 << 10
	// lastApplied is the annotation client-side kubectl apply keeps the
	// applied object in.
	lastApplied = "kubectl.kubernetes.io/last-applied-configuration"
	// etcdLimit is etcd's default largest request, which bounds an object.
	etcdLimit = 3 << 19 // 1.5 MiB
)

// ManifestsSize reports PrometheusRules too large to apply.
var ManifestsSize = &engine.Check{
	ID:       "manifests/size",
	Title:    "PrometheusRule too large for kubectl apply or etcd",
	Severity: engine.Error,
	Doc:      doc("manifests/size"),
	File: func(c *engine.FileContext) {
		kubectl.Each(c, func(d *rules.Document, mo kubectl.Object) {
			obj, err := mo.JSON, mo.Err
			if err != nil {
				return // manifests/crd-schema reports it
			}
			size, annotations, ok := appliedSize(obj)
			if !ok {
				return
			}
			if size > etcdLimit {
				c.Report(nil, nil, d.Pos, "", "PrometheusRule is %d bytes as JSON, over etcd's default limit of %d bytes per object: split it", size, etcdLimit)
			} else if annotations+len(lastApplied)+size > annotationsLimit {
				c.Report(nil, nil, d.Pos, "", "PrometheusRule is %d bytes as JSON: client-side kubectl apply copies it into the %s annotation, over the apiserver's %d-byte limit on annotations; apply with --server-side or split it", size, lastApplied, annotationsLimit)
			}
		})
	},
}

// appliedSize returns the size of the compact JSON of obj, without a
// last-applied annotation, and the size of its other annotations.
func appliedSize(obj []byte) (size, annotations int, ok bool) {
	var o map[string]any
	if json.Unmarshal(obj, &o) != nil {
		return 0, 0, false
	}
	if meta, _ := o["metadata"].(map[string]any); meta != nil {
		if as, _ := meta["annotations"].(map[string]any); as != nil {
			delete(as, lastApplied)
			for k, v := range as {
				s, _ := v.(string)
				annotations += len(k) + len(s)
			}
		}
	}
	b, err := json.Marshal(o)
	if err != nil {
		return 0, 0, false
	}
	return len(b), annotations, true
}
