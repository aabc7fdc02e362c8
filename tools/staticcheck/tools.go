//go:build tools

// Package tools pins staticcheck for make lint. It is never imported.
package tools

import _ "honnef.co/go/tools/cmd/staticcheck"
