// Package online holds the analyses of oomguard's online checks: what a
// server knows about the series a rule reads. Each analysis sends a
// bounded number of small requests, and a Prober caches every answer for
// the run, so that a selector read by many rules costs its requests once.
package online

import (
	"context"
	"fmt"
	"github.com/oomguard/oomguard/internal/limit"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/promapi"
)

// Defaults of Options.
const (
	DefaultRecent   = time.Hour
	DefaultLookback = 7 * 24 * time.Hour
	// DefaultIntervalWindow suits scrape intervals up to a few minutes.
	DefaultIntervalWindow = 10 * time.Minute
)

// Options of a Prober.
type Options struct {
	// Now is the time the analyses look back from; time.Now when zero.
	Now time.Time
	// Recent is the range a series must have a sample in to exist now.
	Recent time.Duration
	// Lookback is how far back a selector that matches nothing now is
	// looked for, to say when it disappeared.
	Lookback time.Duration
	// IntervalWindow is the range the scrape interval is measured over.
	IntervalWindow time.Duration
}

// Prober answers questions about series on one server.
type Prober struct {
	c    *promapi.Client
	opts Options

	mu    sync.Mutex
	cache map[string]*entry
}

type entry struct {
	done chan struct{}
	v    any
	err  error
}

// NewProber returns a prober of the server c queries.
func NewProber(c *promapi.Client, o Options) *Prober {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Recent = limit.Or(o.Recent, DefaultRecent)
	o.Lookback = limit.Or(o.Lookback, DefaultLookback)
	o.IntervalWindow = limit.Or(o.IntervalWindow, DefaultIntervalWindow)
	return &Prober{c: c, opts: o, cache: map[string]*entry{}}
}

// Client is the prober's client.
func (p *Prober) Client() *promapi.Client { return p.c }

// once computes f once per key for the prober's life.
func (p *Prober) once(key string, f func() (any, error)) (any, error) {
	p.mu.Lock()
	e, ok := p.cache[key]
	if !ok {
		e = &entry{done: make(chan struct{})}
		p.cache[key] = e
		p.mu.Unlock()
		e.v, e.err = f()
		close(e.done)
		return e.v, e.err
	}
	p.mu.Unlock()
	<-e.done
	return e.v, e.err
}

// exists says whether any series matches sel (a series selector) within
// [from, Now]: one series request, limited to one series.
func (p *Prober) exists(ctx context.Context, sel string, from time.Duration) (bool, error) {
	v, err := p.once(fmt.Sprintf("exists %s %v", sel, from), func() (any, error) {
		c := p.c
		s, _, err := c.SeriesLimit(ctx, []string{sel}, p.opts.Now.Add(-from), p.opts.Now, 1)
		return len(s) > 0, err
	})
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

// Status is what the server says of a selector.
type Status struct {
	// Matches: the selector matches series with a sample in the recent
	// range. Nothing else is set then.
	Matches bool
	// NoMetric: no series of the metric name at all in the recent range.
	NoMetric bool
	// Failing is the first matcher (in the selector's order) that no
	// recent series of the metric satisfies; nil when each matcher alone
	// is satisfied but no series satisfies them all together.
	Failing *labels.Matcher
	// Values are some values the failing matcher's label has on the
	// metric's recent series, sorted; ValuesTruncated says there are more.
	Values          []string
	ValuesTruncated bool
	// LastSeen is the last time (to the hour) the whole selector matched
	// within the lookback; zero when it did not.
	LastSeen time.Time
}

// Selector says whether vs matches series now and, when it does not, which
// part fails. Requests: one when it matches; else up to one per matcher
// plus one label-values request and one range query of the lookback at a
// step of an hour (at most Lookback/1h+1 points).
func (p *Prober) Selector(ctx context.Context, vs *parser.VectorSelector) (*Status, error) {
	sel := selectorString(vs.LabelMatchers)
	v, err := p.once("selector "+sel, func() (any, error) { return p.selector(ctx, vs.Name, vs.LabelMatchers) })
	if err != nil {
		return nil, err
	}
	return v.(*Status), nil
}

func (p *Prober) selector(ctx context.Context, name string, ms []*labels.Matcher) (*Status, error) {
	sel := selectorString(ms)
	ok, err := p.exists(ctx, sel, p.opts.Recent)
	if err != nil || ok {
		return &Status{Matches: ok}, err
	}
	st := &Status{}
	var nameMatchers []*labels.Matcher
	for _, m := range ms {
		if m.Name == model.MetricNameLabel {
			nameMatchers = append(nameMatchers, m)
		}
	}
	if len(nameMatchers) > 0 {
		ok, err := p.exists(ctx, selectorString(nameMatchers), p.opts.Recent)
		if err != nil {
			return nil, err
		}
		st.NoMetric = !ok
	}
	if !st.NoMetric {
		for _, m := range ms {
			if m.Name == model.MetricNameLabel {
				continue
			}
			ok, err := p.exists(ctx, selectorString(append(append([]*labels.Matcher{}, nameMatchers...), m)), p.opts.Recent)
			if err != nil {
				return nil, err
			}
			if !ok {
				st.Failing = m
				break
			}
		}
		if st.Failing != nil && len(nameMatchers) > 0 {
			vals, truncated, err := p.c.LabelValues(ctx, st.Failing.Name, []string{selectorString(nameMatchers)}, p.opts.Now.Add(-p.opts.Recent), p.opts.Now)
			if err != nil {
				return nil, err
			}
			if len(vals) > 10 {
				vals, truncated = vals[:10], true
			}
			sort.Strings(vals)
			st.Values, st.ValuesTruncated = vals, truncated
		}
	}
	st.LastSeen, err = p.lastSeen(ctx, sel)
	return st, err
}

// lastSeen is the last hour within the lookback at which sel matched.
func (p *Prober) lastSeen(ctx context.Context, sel string) (time.Time, error) {
	ok, err := p.exists(ctx, sel, p.opts.Lookback)
	if err != nil || !ok {
		return time.Time{}, err
	}
	step := time.Hour
	end := p.opts.Now.Truncate(step)
	m, _, err := p.c.QueryRange(ctx, fmt.Sprintf("count(last_over_time(%s[1h]))", sel), end.Add(-p.opts.Lookback), end, step)
	if err != nil {
		return time.Time{}, err
	}
	var last time.Time
	for _, s := range m {
		if n := len(s.Values); n > 0 {
			if t := s.Values[n-1].Timestamp.Time(); t.After(last) {
				last = t
			}
		}
	}
	return last, nil
}

// HasLabel says whether any recent series matching vs carries label.
// One series request, limited to one series.
func (p *Prober) HasLabel(ctx context.Context, vs *parser.VectorSelector, label string) (bool, error) {
	ms := append(append([]*labels.Matcher{}, vs.LabelMatchers...), labels.MustNewMatcher(labels.MatchNotEqual, label, ""))
	return p.exists(ctx, selectorString(ms), p.opts.Recent)
}

// Interval is the scrape interval of the series of a selector, measured:
// over the series that had samples in the window before the last one too
// (so that a series that started within the window does not look sparse),
// the median of the window divided by the samples in it (a range open on
// the left holds one sample an interval). Zero when no series qualifies.
// One instant query, reading two windows of the selector's series.
func (p *Prober) Interval(ctx context.Context, vs *parser.VectorSelector) (time.Duration, error) {
	sel := selectorString(vs.LabelMatchers)
	v, err := p.once("interval "+sel, func() (any, error) {
		w := p.opts.IntervalWindow
		q := fmt.Sprintf("quantile(0.5, %g / (count_over_time(%s[%s]) and count_over_time(%s[%s] offset %s)))",
			w.Seconds(), sel, model.Duration(w), sel, model.Duration(w), model.Duration(w))
		res, _, err := p.c.Query(ctx, q, p.opts.Now)
		if err != nil {
			return time.Duration(0), err
		}
		vec, ok := res.(model.Vector)
		if !ok || len(vec) == 0 || math.IsNaN(float64(vec[0].Value)) || math.IsInf(float64(vec[0].Value), 0) {
			return time.Duration(0), nil
		}
		return time.Duration(float64(vec[0].Value) * float64(time.Second)).Round(time.Millisecond), nil
	})
	if err != nil {
		return 0, err
	}
	return v.(time.Duration), nil
}

func selectorString(ms []*labels.Matcher) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		parts = append(parts, m.String())
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ", ") + "}"
}

func modelDuration(d time.Duration) string { return model.Duration(d).String() }
