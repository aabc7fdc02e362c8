package top

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/jsonnet"
)

// Pack is what top reads of the rule pack: the names of the recording
// rules it queries and, to compute the same from raw series, their
// expressions. Both come from evaluating the pack, never from a copy.
type Pack struct {
	// ClusterLabel is the label that names the cluster.
	ClusterLabel string
	// Names of the recording rules top reads.
	OOMScore, OOMScoreAdj, Memory, MemoryLimit string
	// MemoryMetric is what Memory measures: working_set or rss.
	MemoryMetric string
	exprs        map[string]parser.Expr
}

// LoadPack evaluates the pack with the user's configuration (the
// generate section of .oomguard.yaml, so that top reads the rules as they
// were deployed). The expressions are evaluated with the cluster label
// kept, so that computing from raw series never merges clusters.
func LoadPack(overrides map[string]any) (*Pack, error) {
	o := map[string]any{}
	for k, v := range overrides {
		o[k] = v
	}
	o["showMultiCluster"] = true
	p, err := jsonnet.EvaluateRecorded(o)
	if err != nil {
		return nil, err
	}
	var names struct {
		OOMScore    string `json:"oomScore"`
		OOMScoreAdj string `json:"oomScoreAdj"`
		Memory      string `json:"memory"`
		MemoryLimit string `json:"memoryLimit"`
	}
	var cfg struct {
		ClusterLabel string `json:"clusterLabel"`
		MemoryMetric string `json:"memoryMetric"`
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Record string `json:"record"`
				Expr   string `json:"expr"`
			} `json:"rules"`
		} `json:"groups"`
	}
	for _, part := range []struct {
		data json.RawMessage
		v    any
	}{{p.Names, &names}, {p.Config, &cfg}, {p.Rules, &rules}} {
		if err := json.Unmarshal(part.data, part.v); err != nil {
			return nil, fmt.Errorf("reading the evaluated pack: %w", err)
		}
	}
	pack := &Pack{
		ClusterLabel: cfg.ClusterLabel,
		OOMScore:     names.OOMScore, OOMScoreAdj: names.OOMScoreAdj, Memory: names.Memory, MemoryLimit: names.MemoryLimit,
		MemoryMetric: cfg.MemoryMetric,
		exprs:        map[string]parser.Expr{},
	}
	p2 := parser.NewParser(parser.Options{})
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Record == "" {
				continue
			}
			e, err := p2.ParseExpr(r.Expr)
			if err != nil {
				return nil, fmt.Errorf("the pack's rule %s: %w", r.Record, err)
			}
			pack.exprs[r.Record] = e
		}
	}
	for _, n := range []string{pack.OOMScore, pack.OOMScoreAdj, pack.Memory, pack.MemoryLimit} {
		if _, ok := pack.exprs[n]; !ok {
			return nil, fmt.Errorf("the pack records no %q", n)
		}
	}
	return pack, nil
}

// Raw returns the expression of the recording rule name with every
// recording rule it reads replaced by that rule's own expression: the same
// result, from raw series only.
func (p *Pack) Raw(name string) (string, error) {
	e, err := p.inline(name, map[string]bool{})
	if err != nil {
		return "", err
	}
	return e.String(), nil
}

func (p *Pack) inline(name string, seen map[string]bool) (parser.Expr, error) {
	if seen[name] {
		return nil, fmt.Errorf("the pack's rule %s reads itself", name)
	}
	seen[name] = true
	defer delete(seen, name)
	src, err := parser.NewParser(parser.Options{}).ParseExpr(p.exprs[name].String())
	if err != nil {
		return nil, err
	}
	var ferr error
	out := rewrite(src, func(vs *parser.VectorSelector) parser.Expr {
		if _, ok := p.exprs[vs.Name]; !ok || ferr != nil {
			return vs
		}
		if len(vs.LabelMatchers) != 1 || vs.OriginalOffset != 0 || vs.Timestamp != nil {
			ferr = fmt.Errorf("the pack's rule %s reads %s with matchers or an offset: it cannot be computed from raw series", name, vs)
			return vs
		}
		in, err := p.inline(vs.Name, seen)
		if err != nil {
			ferr = err
			return vs
		}
		return &parser.ParenExpr{Expr: in}
	})
	return out, ferr
}

// Growth returns an expression of how fast the memory top reads grows,
// in bytes a second, over window: deriv of the recorded series, or, from
// raw series, deriv of each series the recording rule reads.
func (p *Pack) Growth(raw bool, window time.Duration) (string, error) {
	if !raw {
		return fmt.Sprintf("deriv(%s[%s])", p.Memory, durationString(window)), nil
	}
	e, err := p.inline(p.Memory, map[string]bool{})
	if err != nil {
		return "", err
	}
	return rewrite(e, func(vs *parser.VectorSelector) parser.Expr {
		return &parser.Call{
			Func: parser.Functions["deriv"],
			Args: parser.Expressions{&parser.MatrixSelector{VectorSelector: vs, Range: window}},
		}
	}).String(), nil
}

// rewrite returns e with each instant vector selector replaced by f's
// result. Selectors inside range selectors are left alone.
func rewrite(e parser.Expr, f func(*parser.VectorSelector) parser.Expr) parser.Expr {
	switch n := e.(type) {
	case *parser.VectorSelector:
		return f(n)
	case *parser.AggregateExpr:
		n.Expr = rewrite(n.Expr, f)
		if n.Param != nil {
			n.Param = rewrite(n.Param, f)
		}
	case *parser.BinaryExpr:
		n.LHS = rewrite(n.LHS, f)
		n.RHS = rewrite(n.RHS, f)
	case *parser.Call:
		for i, a := range n.Args {
			n.Args[i] = rewrite(a, f)
		}
	case *parser.ParenExpr:
		n.Expr = rewrite(n.Expr, f)
	case *parser.UnaryExpr:
		n.Expr = rewrite(n.Expr, f)
	case *parser.SubqueryExpr:
		n.Expr = rewrite(n.Expr, f)
	case *parser.StepInvariantExpr:
		n.Expr = rewrite(n.Expr, f)
	}
	return e
}

func durationString(d time.Duration) string { return model.Duration(d).String() }
