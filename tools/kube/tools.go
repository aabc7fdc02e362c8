//go:build tools

// Package tools pins the Kubernetes API server and kubectl that the end-to-end
// tests apply generated PrometheusRule manifests with. k8s.io/kubernetes
// points its staging modules at directories inside its own repository, which
// `go install` refuses; go.mod here replaces each with its published release
// of the same Kubernetes version. Built by `make tools`, never imported.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
