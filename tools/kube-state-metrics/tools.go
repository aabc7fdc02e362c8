//go:build tools

// Package tools pins kube-state-metrics, which the real-kernel end-to-end
// test runs against its kube-apiserver: the pod, container and node series
// the pack joins with cAdvisor's. It is built by `make tools`, never
// imported. Its full module graph cannot be listed (`go list -m all` fails
// on one module the proxy no longer serves), but its package graph builds,
// so tools/build.sh reads the version from go.mod alone.
package tools

import _ "k8s.io/kube-state-metrics/v2"
