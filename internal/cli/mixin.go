package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oomguard/oomguard/internal/atomicfile"
	"github.com/oomguard/oomguard/jsonnet"
)

func newMixinCmd(s Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mixin",
		Short: "Work with the pack's jsonnet mixin",
		Example: examples(`
  # Vendor the mixin into a kube-prometheus build by hand
  oomguard mixin export vendor/oomguard-mixin`),
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "export DIR",
		Short: "Write the embedded jsonnet mixin into DIR",
		Long: strings.TrimSpace(`
Export writes the pack's mixin (mixin.libsonnet, config.libsonnet,
jsonnetfile.json, lib/, rules/, alerts/, tests/) into DIR, for people who
vendor it by hand. Import it as kubernetes-mixin is imported:

  (import 'mixin.libsonnet') + { _config+:: { showMultiCluster: true } }

and use its prometheusRules and prometheusAlerts.`),
		Example: examples(`
  oomguard mixin export vendor/oomguard-mixin
  jsonnet -J vendor/oomguard-mixin -e "(import 'mixin.libsonnet').prometheusAlerts"`),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("mixin export needs one directory")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := jsonnet.Export(args[0], func(path string, data []byte) error {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					return err
				}
				return atomicfile.Write(path, data)
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(s.ErrOut, "wrote %d files of the mixin into %s\n", len(files), args[0])
			return nil
		},
	})
	return cmd
}
