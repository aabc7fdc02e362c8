//go:build tools

// Package tools pins Thanos (sidecar and query) for the end-to-end tests of
// the online mode: a distributed query engine in front of two Prometheus
// servers with their own external labels. Thanos's go.mod has replace
// directives, which `go install` refuses; go.mod here copies them. Built by
// `make tools`, never imported.
package tools

import (
	_ "github.com/thanos-io/thanos/cmd/thanos"
)
