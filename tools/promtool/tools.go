//go:build tools

// Package tools pins promtool, the reference implementation that oomguard's
// tests compare against. It is built by `make tools`, never imported.
//
// go.mod raises k8s.io/api, k8s.io/apimachinery and k8s.io/client-go from
// v0.37.1, the version this Prometheus requires, to the patch release
// v0.37.2 that tools/kube builds kube-apiserver, kubectl and
// kube-state-metrics with, so that a fresh machine compiles those packages
// (some 250, the Kubernetes API types among them) once for every tool.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
