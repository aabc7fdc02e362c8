//go:build tools

// Package tools pins the Prometheus server that the end-to-end tests run:
// it loads generated rules, scrapes a synthetic exporter and fires alerts.
// It is built by `make tools`, never imported.
package tools

import _ "github.com/prometheus/prometheus/cmd/prometheus"
