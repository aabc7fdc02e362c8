package cli

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/spf13/pflag"

	"github.com/oomguard/oomguard/config"
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/online"
	"github.com/oomguard/oomguard/promapi"
)

// lintServerOptions are lint's flags of the online mode.
type lintServerOptions struct {
	Server             serverFlags
	Offline            bool
	Backtest           string
	BacktestMaxFirings int
}

func (o *lintServerOptions) register(f *pflag.FlagSet) {
	o.Server.register(f)
	f.BoolVar(&o.Offline, "offline", false, "ask no server, even those of the config's servers section")
	f.StringVar(&o.Backtest, "backtest", "", "replay each alert over this `RANGE` of the servers' history (7d, 12h): online/backtest")
	f.IntVar(&o.BacktestMaxFirings, "backtest-max-firings", 0, "a backtest with more firings than `N` is a warning (0: never)")
}

// serverFlagNames are the flags that describe the server of --prometheus.
var serverFlagNames = []string{"header", "bearer-token-file", "user", "ca-file", "cert-file", "key-file", "tls-server-name", "insecure-skip-verify", "timeout", "concurrency", "rate"}

// lintServer is a server lint asks.
type lintServer struct {
	client *promapi.Client
	url    string // without credentials or query, for messages
}

// online sets cfg.Online (and cfg.Backtest from the flags) from the flags
// and the config's servers: --prometheus alone is one server of every
// file, and replaces the config's servers; none, or --offline, is an
// offline run (cfg.Online stays nil).
func (o *lintServerOptions) online(f *pflag.FlagSet, file *config.File, cfg *lint.Config, now time.Time) ([]lintServer, error) {
	if o.Server.URL == "" {
		for _, name := range serverFlagNames {
			if f.Changed(name) {
				return nil, usagef("--%s describes the server of --prometheus: give --prometheus URL", name)
			}
		}
	}
	if o.Backtest != "" {
		d, err := model.ParseDuration(o.Backtest)
		if err != nil || d <= 0 {
			return nil, usagef("--backtest %q: want a range above 0 such as 7d", o.Backtest)
		}
		cfg.Backtest.Range = time.Duration(d)
	}
	if f.Changed("backtest-max-firings") {
		if o.BacktestMaxFirings < 0 {
			return nil, usagef("--backtest-max-firings %d: want 0 or more", o.BacktestMaxFirings)
		}
		cfg.Backtest.MaxFirings = o.BacktestMaxFirings
	}
	var servers []lintServer
	var globs [][]lint.Glob
	switch {
	case o.Server.URL != "" && o.Offline:
		return nil, usagef("--prometheus and --offline do not go together")
	case o.Server.URL != "":
		c, err := o.Server.client()
		if err != nil {
			return nil, err
		}
		servers = append(servers, lintServer{c, displayURL(o.Server.URL)})
		globs = append(globs, nil)
	case !o.Offline:
		for _, s := range file.Servers {
			cfgs, err := s.Config.Resolve(nil)
			if err == nil {
				var c *promapi.Client
				if c, err = promapi.New(cfgs); err == nil {
					servers = append(servers, lintServer{c, displayURL(cfgs.URL)})
					globs = append(globs, s.Paths)
					continue
				}
			}
			return nil, usagef("%s:%d:%d: %v", file.Path, s.Line, s.Col, err)
		}
	}
	if len(servers) == 0 {
		if f.Changed("backtest") || f.Changed("backtest-max-firings") {
			return nil, usagef("--backtest needs a server: --prometheus URL, or servers in the config")
		}
		return nil, nil
	}
	on := &lint.Online{Context: context.Background()}
	for i, s := range servers {
		on.Servers = append(on.Servers, lint.Server{Prober: online.NewProber(s.client, online.Options{Now: now}), Files: globs[i]})
	}
	cfg.Online = on
	return servers, nil
}

// displayURL is a URL as messages give it: without user information,
// query or fragment.
func displayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// reportServers prints, once the findings are out, one line for each
// server's requests, and one for each kind of failure it had. It returns
// the number of answers those failures cost, and the error of the servers
// that could not be used at all (nil when each could).
func reportServers(w io.Writer, servers []lintServer) (int, error) {
	failed := 0
	var fatal []string
	for _, s := range servers {
		c := s.client
		fmt.Fprintf(w, "oomguard lint: %s: %s\n", c.Name(), plural(c.Requests(), "request"))
		for _, f := range c.Failures() {
			if f.Kind.Fatal() {
				continue
			}
			failed += f.Count
			fmt.Fprintf(w, "oomguard lint: warning: %s: the online checks that needed those answers did not run\n", f)
		}
		if e := c.Unreachable(); e != nil {
			msg := e.Error()
			if c.Name() != s.url {
				msg += " (" + s.url + ")"
			}
			fatal = append(fatal, msg)
		}
	}
	if len(fatal) > 0 {
		return failed, fmt.Errorf("lint: %s", strings.Join(fatal, "\noomguard: lint: "))
	}
	return failed, nil
}

// lintNow is the time the online checks look back from; tests set it to
// the end of their series.
var lintNow = time.Now
