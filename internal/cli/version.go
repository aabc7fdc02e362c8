package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// The build's identity, set by `make build` and `make release` with
// -ldflags "-X github.com/oomguard/oomguard/internal/cli.version=...":
// version from git describe, the commit's full hash and its commit date
// (never the build's time, so that the same source gives the same bytes).
// A plain go build or go install leaves them empty, and the module version
// and the VCS stamp the go command records in the binary are used instead.
var (
	version    = ""
	commit     = ""
	commitDate = ""
)

// prometheusVersion is the Prometheus release whose parser and engine are
// built in.
const prometheusVersion = "3.16.0"

// buildInfo is what `oomguard version` says about the binary.
type buildInfo struct {
	Version, Commit, CommitDate string
	Modified                    bool // the VCS stamp says the tree had edits
}

func currentBuild() buildInfo {
	b := buildInfo{Version: version, Commit: commit, CommitDate: commitDate}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if b.Version == "" {
			b.Version = "devel"
		}
		return b
	}
	if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		b.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if b.Commit == "" {
				b.Commit = s.Value
			}
		case "vcs.time":
			if b.CommitDate == "" {
				b.CommitDate = s.Value
			}
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

func currentVersion() string { return currentBuild().Version }

// versionLine is the one line `oomguard version` and `oomguard --version`
// print.
func versionLine() string {
	b := currentBuild()
	var parts []string
	if b.Commit != "" {
		c := "commit " + b.Commit
		if b.Modified && !strings.HasSuffix(b.Version, "dirty") {
			c += " with local edits"
		}
		parts = append(parts, c)
	}
	if b.CommitDate != "" {
		parts = append(parts, "committed "+b.CommitDate)
	}
	parts = append(parts, "Prometheus "+prometheusVersion, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)
	return fmt.Sprintf("oomguard %s (%s)", b.Version, strings.Join(parts, ", "))
}

func newVersionCmd(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of oomguard",
		Long: strings.TrimSpace(`
Version prints which build of oomguard this is: its version (git describe
of the source, or the module version), the commit and the commit's date,
the Prometheus release whose parser and engine are built in, and the Go
release and platform it was built with. --version prints the same line.`),
		Args:    cobra.NoArgs,
		Example: "  oomguard version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(s.Out, versionLine())
			return err
		},
	}
}
