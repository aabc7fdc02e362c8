package online

import (
	"context"
	"sort"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/oomguard/oomguard/promapi"
)

// ServerRule is a recording rule the server evaluates.
type ServerRule struct {
	Group, File, Query string
}

// Record is what the server already has under a recording rule's name.
type Record struct {
	// Rules are the server's recording rules of that name (its rule API,
	// for Thanos Query that of the rulers and sidecars behind it).
	Rules []ServerRule
	// Series says recent series of that name exist; Jobs are their job
	// label values (sorted, at most ten), where they carry one.
	Series bool
	Jobs   []string
}

// Record says what the server has under the name. Requests: the rules
// API once per run; one series request and one label-values request per
// name.
func (p *Prober) Record(ctx context.Context, name string) (*Record, error) {
	v, err := p.once("record "+name, func() (any, error) {
		groups, err := p.rules(ctx)
		if err != nil {
			return nil, err
		}
		r := &Record{}
		for _, g := range groups {
			for _, rule := range g.Rules {
				if rule.Type == "recording" && rule.Name == name {
					r.Rules = append(r.Rules, ServerRule{Group: g.Name, File: g.File, Query: rule.Query})
				}
			}
		}
		sel := selectorString([]*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, name)})
		if r.Series, err = p.exists(ctx, sel, p.opts.Recent); err != nil || !r.Series {
			return r, err
		}
		jobs, _, err := p.c.LabelValues(ctx, "job", []string{sel}, p.opts.Now.Add(-p.opts.Recent), p.opts.Now)
		if err != nil {
			return nil, err
		}
		sort.Strings(jobs)
		if len(jobs) > 10 {
			jobs = jobs[:10]
		}
		r.Jobs = jobs
		return r, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Record), nil
}

func (p *Prober) rules(ctx context.Context) ([]promapi.RuleGroup, error) {
	v, err := p.once("rules", func() (any, error) { return p.c.Rules(ctx) })
	if err != nil {
		return nil, err
	}
	return v.([]promapi.RuleGroup), nil
}
