//go:build tools

// Package tools pins the Kubernetes API server and kubectl that the end-to-end
// tests apply generated PrometheusRule manifests with, and kube-state-metrics,
// which the real-kernel test runs against that API server. k8s.io/kubernetes
// points its staging modules at directories inside its own repository, which
// `go install` refuses; go.mod here replaces each with its published release
// of the same Kubernetes version. kube-state-metrics is built here rather
// than in a module of its own so that it takes the same k8s.io/* packages
// (client-go, api, apimachinery at v0.37.2, not its own v0.36.3) and a
// fresh machine compiles them once for all three programs. Built by
// tools/build.sh, never imported.
package tools

import (
	_ "k8s.io/kube-state-metrics/v2"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
