//go:build tools

// Package tools pins the jsonnet CLI, which imports the pack the way
// kube-prometheus builds do in a parity test. It is never imported.
package tools

import _ "github.com/google/go-jsonnet/cmd/jsonnet"
