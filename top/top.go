// Package top is the pack's view of a live cluster: per node, the
// containers in the order the kernel's OOM killer would pick them, and
// the containers closest to their memory limit with the time they take to
// reach it at their current growth. It reads the pack's recording rules
// from a server, or computes the same from raw cAdvisor and
// kube-state-metrics series with the pack's own expressions.
package top

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/oomguard/oomguard/promapi"
)

// Sources of the figures.
const (
	SourceAuto  = "auto"  // the recording rules when the server has them, else raw series
	SourceRules = "rules" // the pack's recording rules
	SourceRaw   = "raw"   // raw cAdvisor and kube-state-metrics series
)

// Options of a Run.
type Options struct {
	Pack   *Pack
	Source string
	// Filters: exact values of the cluster label, node and namespace; empty
	// matches all.
	Cluster, Node, Namespace string
	// Window is the range memory growth is measured over.
	Window time.Duration
	// Time is the evaluation time; now when zero.
	Time time.Time
}

// Container is one container's figures. Memory is what the pack's
// memoryMetric says (working set by default); Limit is 0 when the
// container has none.
type Container struct {
	Cluster     string  `json:"cluster,omitempty"`
	Node        string  `json:"node"`
	Namespace   string  `json:"namespace"`
	Pod         string  `json:"pod"`
	Container   string  `json:"container"`
	OOMScoreAdj int     `json:"oomScoreAdj"`
	OOMScore    float64 `json:"oomScore"`
	// KillRank is the container's place on its node, 1 first killed.
	KillRank     int     `json:"killRank"`
	MemoryBytes  float64 `json:"memoryBytes"`
	LimitBytes   float64 `json:"limitBytes,omitempty"`
	LimitRatio   float64 `json:"limitRatio,omitempty"`
	GrowthPerSec float64 `json:"growthBytesPerSecond"`
	// SecondsToLimit is the predicted time to the limit at the current
	// growth; nil when there is no limit or memory does not grow.
	SecondsToLimit *float64 `json:"secondsToLimit,omitempty"`
}

// Node holds the containers of one node in kill order.
type Node struct {
	Cluster    string      `json:"cluster,omitempty"`
	Node       string      `json:"node"`
	Containers []Container `json:"containers"`
}

// Report is what Run found.
type Report struct {
	// Source is the source used: rules or raw.
	Source string `json:"source"`
	// MemoryMetric is what memory means: working_set or rss.
	MemoryMetric string    `json:"memoryMetric"`
	Time         time.Time `json:"time"`
	Nodes        []Node    `json:"nodes"`
	// NearLimit lists the containers with a limit, closest to it first.
	NearLimit []Container `json:"nearLimit"`
	// Queries is the number of queries sent.
	Queries int `json:"-"`
}

// ErrNoData says the server has neither the recording rules nor the raw
// series top needs.
var ErrNoData = errors.New("no OOM score")

// Run queries the server and builds the report.
func Run(ctx context.Context, c *promapi.Client, o Options) (*Report, error) {
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	if o.Window <= 0 {
		o.Window = time.Hour
	}
	r := &Report{Time: o.Time.UTC().Truncate(time.Millisecond), MemoryMetric: o.Pack.MemoryMetric}
	switch o.Source {
	case SourceRules, SourceRaw:
		r.Source = o.Source
	case SourceAuto, "":
		r.Source = SourceRules
	default:
		return nil, fmt.Errorf("unknown source %q: use auto, rules or raw", o.Source)
	}
	before := c.Requests()
	if r.Source == SourceRules && o.Source != SourceRules {
		// Auto: the recording rules when the server has them, whatever
		// the filters select.
		n, err := queryExpr(ctx, c, Options{Pack: o.Pack, Time: o.Time}, "count("+o.Pack.OOMScore+")")
		if err != nil {
			return nil, err
		}
		if len(n) == 0 {
			r.Source = SourceRaw
		}
	}
	scores, err := query(ctx, c, o, r.Source == SourceRaw, o.Pack.OOMScore)
	if err != nil {
		return nil, err
	}
	if len(scores) == 0 {
		if o.Cluster != "" || o.Node != "" || o.Namespace != "" {
			r.Queries = c.Requests() - before
			return r, nil
		}
		return nil, fmt.Errorf("%w: %s has no series of %s%s", ErrNoData, c.Name(), o.Pack.OOMScore, noDataHint(r.Source))
	}
	raw := r.Source == SourceRaw
	// Of the pack's series only the OOM score carries the node: the
	// others are per container, filtered by cluster and namespace only,
	// and joined to the scores' containers below.
	perContainer := o
	perContainer.Node = ""
	adj, err := query(ctx, c, perContainer, raw, o.Pack.OOMScoreAdj)
	if err != nil {
		return nil, err
	}
	mem, err := query(ctx, c, perContainer, raw, o.Pack.Memory)
	if err != nil {
		return nil, err
	}
	limit, err := query(ctx, c, perContainer, raw, o.Pack.MemoryLimit)
	if err != nil {
		return nil, err
	}
	growthExpr, err := o.Pack.Growth(raw, o.Window)
	if err != nil {
		return nil, err
	}
	growth, err := queryExpr(ctx, c, perContainer, growthExpr)
	if err != nil {
		return nil, err
	}
	r.Queries = c.Requests() - before

	key := func(m model.Metric) string {
		return string(m[model.LabelName(o.Pack.ClusterLabel)]) + "\x00" + string(m["namespace"]) + "\x00" + string(m["pod"]) + "\x00" + string(m["container"])
	}
	index := func(v model.Vector) map[string]float64 {
		out := make(map[string]float64, len(v))
		for _, s := range v {
			out[key(s.Metric)] = float64(s.Value)
		}
		return out
	}
	adjOf, memOf, limitOf, growthOf := index(adj), index(mem), index(limit), index(growth)

	nodes := map[[2]string]*Node{}
	for _, s := range scores {
		m := s.Metric
		k := key(m)
		ct := Container{
			Cluster:   string(m[model.LabelName(o.Pack.ClusterLabel)]),
			Node:      string(m["node"]),
			Namespace: string(m["namespace"]),
			Pod:       string(m["pod"]),
			Container: string(m["container"]),
			OOMScore:  round(float64(s.Value), 1),
		}
		if a, ok := adjOf[k]; ok {
			ct.OOMScoreAdj = int(a)
		}
		ct.MemoryBytes = memOf[k]
		ct.GrowthPerSec = round(growthOf[k], 3)
		if l := limitOf[k]; l > 0 {
			ct.LimitBytes = l
			ct.LimitRatio = round(ct.MemoryBytes/l, 4)
			if g := growthOf[k]; g > 0 && ct.MemoryBytes < l {
				secs := math.Round((l - ct.MemoryBytes) / g)
				ct.SecondsToLimit = &secs
			} else if ct.MemoryBytes >= l {
				zero := 0.0
				ct.SecondsToLimit = &zero
			}
		}
		nk := [2]string{ct.Cluster, ct.Node}
		n := nodes[nk]
		if n == nil {
			n = &Node{Cluster: ct.Cluster, Node: ct.Node}
			nodes[nk] = n
		}
		n.Containers = append(n.Containers, ct)
	}
	for _, n := range nodes {
		sort.Slice(n.Containers, func(i, j int) bool { return killsFirst(n.Containers[i], n.Containers[j]) })
		for i := range n.Containers {
			n.Containers[i].KillRank = i + 1
		}
		r.Nodes = append(r.Nodes, *n)
		for _, ct := range n.Containers {
			if ct.LimitBytes > 0 {
				r.NearLimit = append(r.NearLimit, ct)
			}
		}
	}
	sort.Slice(r.Nodes, func(i, j int) bool {
		a, b := r.Nodes[i], r.Nodes[j]
		if a.Cluster != b.Cluster {
			return a.Cluster < b.Cluster
		}
		return a.Node < b.Node
	})
	sort.SliceStable(r.NearLimit, func(i, j int) bool {
		a, b := r.NearLimit[i], r.NearLimit[j]
		if a.LimitRatio != b.LimitRatio {
			return a.LimitRatio > b.LimitRatio
		}
		return lessID(a, b)
	})
	return r, nil
}

// killsFirst orders a node's containers as the OOM killer picks them: the
// highest score first; among equal scores, the higher oom_score_adj, then
// by name so that the order is stable.
func killsFirst(a, b Container) bool {
	if a.OOMScore != b.OOMScore {
		return a.OOMScore > b.OOMScore
	}
	if a.OOMScoreAdj != b.OOMScoreAdj {
		return a.OOMScoreAdj > b.OOMScoreAdj
	}
	return lessID(a, b)
}

func lessID(a, b Container) bool {
	if a.Cluster != b.Cluster {
		return a.Cluster < b.Cluster
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	if a.Pod != b.Pod {
		return a.Pod < b.Pod
	}
	return a.Container < b.Container
}

// query returns the series of the recording rule name, or the same
// computed from raw series, filtered.
func query(ctx context.Context, c *promapi.Client, o Options, raw bool, name string) (model.Vector, error) {
	expr := name
	if raw {
		var err error
		if expr, err = o.Pack.Raw(name); err != nil {
			return nil, err
		}
	}
	return queryExpr(ctx, c, o, expr)
}

// queryExpr evaluates expr at o.Time, keeping the series the filters
// select. The filter is applied on the server, to the result (the inputs
// of an expression do not all carry the filtered labels): expr and on
// (label) a one-element vector carrying the value.
func queryExpr(ctx context.Context, c *promapi.Client, o Options, expr string) (model.Vector, error) {
	for _, f := range []struct{ label, value string }{
		{o.Pack.ClusterLabel, o.Cluster}, {"node", o.Node}, {"namespace", o.Namespace},
	} {
		if f.value == "" {
			continue
		}
		expr = fmt.Sprintf("(%s) and on (%s) label_replace(vector(1), %s, %s, \"\", \"\")",
			expr, f.label, strconv.Quote(f.label), strconv.Quote(f.value))
	}
	v, _, err := c.Query(ctx, expr, o.Time)
	if err != nil {
		return nil, err
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("server %s answered %s to an instant query, not a vector", c.Name(), v.Type())
	}
	return vec, nil
}

func noDataHint(source string) string {
	if source == SourceRaw {
		return ", and computing it from raw series gives nothing: it needs kube_pod_info with node, kube_node_status_capacity, kube_pod_status_qos_class, kube_pod_container_info from kube-state-metrics and container_memory_rss from cAdvisor"
	}
	return " (the pack's recording rule; --source raw computes it from raw series)"
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}
