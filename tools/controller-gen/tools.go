//go:build tools

// Package tools pins controller-gen, which regenerates the PrometheusRule
// CRD from the pinned monitoring types (make crd). It is never imported.
package tools

import _ "sigs.k8s.io/controller-tools/cmd/controller-gen"
