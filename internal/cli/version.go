package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X .../internal/cli.version=...";
// otherwise the module version recorded in the binary is used.
var version = ""

// prometheusVersion is the Prometheus release whose parser and engine are
// built in.
const prometheusVersion = "3.16.0"

func currentVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func newVersionCmd(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of oomguard",
		Args:    cobra.NoArgs,
		Example: "  oomguard version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(s.Out, "oomguard %s (Prometheus %s, %s %s/%s)\n",
				currentVersion(), prometheusVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
