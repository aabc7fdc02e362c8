//go:build tools

// Package tools pins promtool, the reference implementation that oomguard's
// tests compare against. It is built by `make tools`, never imported.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
