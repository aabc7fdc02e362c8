// Command oomguard generates, lints and tests Prometheus rules for
// container memory, OOM kills and CPU on Kubernetes.
package main

import (
	"os"

	"github.com/oomguard/oomguard/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
}
