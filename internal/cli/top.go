package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oomguard/oomguard/config"
	"github.com/oomguard/oomguard/generate"
	"github.com/oomguard/oomguard/promapi"
	"github.com/oomguard/oomguard/top"
)

type topOptions struct {
	Server     serverFlags
	ConfigFile string
	Sets       []string
	Source     string
	Output     string
	Top        int
	Window     time.Duration
	Cluster    string
	Node       string
	Namespace  string
	Time       string
}

func newTopCmd(s Streams, runF func(*topOptions) error) *cobra.Command {
	o := &topOptions{}
	cmd := &cobra.Command{
		Use:   "top --prometheus URL [flags]",
		Short: "Show which containers the OOM killer would take first, and those nearest their memory limit",
		Long: strings.TrimSpace(`
Top is the pack's view of a live cluster. Per node, it lists the containers
in the order the kernel's OOM killer would pick them when the node runs out
of memory: by the pack's estimate of the kernel's score (the container's
share of the node's memory, in thousandths, plus the oom_score_adj the
kubelet gave it from its QoS class and memory request). Then it lists the
containers closest to their own memory limit, with how fast their memory
grows and when, at that pace, it reaches the limit.

It reads the pack's recording rules from the server (Prometheus, Thanos
Query, Mimir), or, when the server has none (--source raw, or auto), computes
the same from raw cAdvisor and kube-state-metrics series with the pack's own
expressions. The pack is evaluated with the generate section of
.oomguard.yaml (--config names another file) and --set, so that top reads the
rules as you deployed them.

Output: a table on a terminal, JSON otherwise; -o chooses (table, json,
csv). Exit codes: 0 shown; 2 the server cannot be reached or has none of the
series top needs.`),
		Example: examples(`
  # The whole cluster
  oomguard top --prometheus http://prometheus:9090

  # One node of one cluster behind Thanos Query, as CSV
  oomguard top --prometheus https://thanos-query:10902 --cluster prod-eu --node ip-10-0-1-7 -o csv

  # Behind basic auth and a private CA
  OOMGUARD_PROMETHEUS_PASSWORD=... oomguard top --prometheus https://prom:9090 --user ci --ca-file ca.pem`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("top") && (o.Output == "table" || o.Output == "" && isTerminal(s.Out)) {
				o.Top = 10
			}
			if runF != nil {
				return runF(o)
			}
			return runTop(cmd.Context(), s, o)
		},
	}
	f := cmd.Flags()
	o.Server.register(f)
	f.StringVar(&o.ConfigFile, "config", "", "config `FILE` (default .oomguard.yaml when it exists): its generate section, as the pack was generated")
	f.StringArrayVar(&o.Sets, "set", nil, "a pack setting `KEY=VALUE`, as generate takes it (repeatable)")
	f.StringVar(&o.Source, "source", top.SourceAuto, "where the figures come from: rules (the pack's recording rules), raw (cAdvisor and kube-state-metrics series) or auto")
	f.StringVarP(&o.Output, "output", "o", "", "table, json or csv (default: table on a terminal, json otherwise)")
	f.IntVar(&o.Top, "top", 0, "containers shown per node and in the nearest-limit list; 0 for all (default 10 in a table, all otherwise)")
	f.DurationVar(&o.Window, "window", time.Hour, "the range memory growth is measured over")
	f.StringVar(&o.Cluster, "cluster", "", "only this cluster (the value of the pack's cluster label)")
	f.StringVar(&o.Node, "node", "", "only this node")
	f.StringVar(&o.Namespace, "namespace", "", "only this namespace")
	f.StringVar(&o.Time, "time", "", "evaluate at this RFC 3339 `TIME` instead of now")
	return cmd
}

func runTop(ctx context.Context, s Streams, o *topOptions) error {
	if o.Server.URL == "" {
		return usagef("top needs --prometheus URL")
	}
	switch o.Output {
	case "", "table", "json", "csv":
	default:
		return usagef("-o %q: use table, json or csv", o.Output)
	}
	switch o.Source {
	case top.SourceAuto, top.SourceRules, top.SourceRaw:
	default:
		return usagef("--source %q: use auto, rules or raw", o.Source)
	}
	if o.Window < time.Minute {
		return usagef("--window %v: at least 1m", o.Window)
	}
	var at time.Time
	if o.Time != "" {
		var err error
		if at, err = time.Parse(time.RFC3339, o.Time); err != nil {
			return usagef("--time %q: use RFC 3339, as 2026-01-02T15:04:05Z", o.Time)
		}
	}
	file, err := config.Load(o.ConfigFile, 0)
	if err != nil {
		return &usageError{err}
	}
	overrides := file.Generate
	for _, kv := range o.Sets {
		if err := overrides.Set(kv); err != nil {
			return &usageError{err}
		}
	}
	checked, err := generate.Check(overrides.Settings)
	if err != nil {
		return &usageError{err}
	}
	pack, err := top.LoadPack(checked.Patch())
	if err != nil {
		return &usageError{err}
	}
	client, err := o.Server.client()
	if err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	r, err := top.Run(ctx, client, top.Options{
		Pack: pack, Source: o.Source, Cluster: o.Cluster, Node: o.Node, Namespace: o.Namespace, Window: o.Window, Time: at,
	})
	if err != nil {
		// Top needs every answer: the failure that stopped it is the one
		// message, not a warning before it too.
		var pe *promapi.Error
		if errors.As(err, &pe) || errors.Is(err, top.ErrNoData) {
			return fmt.Errorf("top: %w", err)
		}
		return err
	}
	reportFailures(s, client)
	r.Truncate(o.Top)
	switch {
	case o.Output == "csv":
		return top.WriteCSV(s.Out, r)
	case o.Output == "json" || o.Output == "" && !isTerminal(s.Out):
		return top.WriteJSON(s.Out, r)
	default:
		return top.WriteTable(s.Out, r)
	}
}
