package engine

import (
	"context"
	"time"

	"github.com/oomguard/oomguard/online"
)

// Online is what the online checks need: the servers to ask and which
// files each evaluates. A nil *Online (the default) is an offline run:
// the online checks do nothing and no request is sent.
type Online struct {
	// Context bounds every request of the run.
	Context context.Context
	// Servers, in the order of the config.
	Servers []Server
}

// Server is one server and the rule files it evaluates.
type Server struct {
	Prober *online.Prober
	// Files are globs of the rule files the server evaluates; none means
	// every file.
	Files []Glob
}

// BacktestConfig says how online/backtest replays alerts.
type BacktestConfig struct {
	// Range is how far back each alert is replayed; 0 is no backtest.
	Range time.Duration
	// MaxFirings: more firings than this over the range makes the finding
	// a warning; 0 never does.
	MaxFirings int
	// MaxSeries caps the alert instances followed (online.DefaultMaxSeries
	// when 0).
	MaxSeries int
}

// Probers returns the probers of the servers that evaluate the file at
// path, in the order of the config; none for an offline run.
func (o *Online) Probers(path string) []*online.Prober {
	if o == nil {
		return nil
	}
	var out []*online.Prober
	for _, s := range o.Servers {
		if len(s.Files) == 0 || matchAny(s.Files, path) {
			out = append(out, s.Prober)
		}
	}
	return out
}

// Ctx is the context of the run's requests.
func (o *Online) Ctx() context.Context {
	if o == nil || o.Context == nil {
		return context.Background()
	}
	return o.Context
}
