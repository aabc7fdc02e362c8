package top

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Truncate keeps the first n containers of each node and of NearLimit; 0
// keeps all.
func (r *Report) Truncate(n int) {
	if n <= 0 {
		return
	}
	for i := range r.Nodes {
		if len(r.Nodes[i].Containers) > n {
			r.Nodes[i].Containers = r.Nodes[i].Containers[:n]
		}
	}
	if len(r.NearLimit) > n {
		r.NearLimit = r.NearLimit[:n]
	}
}

// WriteJSON writes the report as one indented JSON object.
func WriteJSON(w io.Writer, r *Report) error {
	out := *r
	if out.Nodes == nil {
		out.Nodes = []Node{}
	}
	if out.NearLimit == nil {
		out.NearLimit = []Container{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&out)
}

var csvHeader = []string{"cluster", "node", "kill_rank", "namespace", "pod", "container", "oom_score_adj", "oom_score",
	"memory_bytes", "limit_bytes", "limit_ratio", "growth_bytes_per_second", "seconds_to_limit"}

// WriteCSV writes one row a container, nodes in order and each node's
// containers in kill order. Empty cells: no limit, or not growing.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, n := range r.Nodes {
		for _, c := range n.Containers {
			limit, ratio, secs := "", "", ""
			if c.LimitBytes > 0 {
				limit, ratio = num(c.LimitBytes), num(c.LimitRatio)
			}
			if c.SecondsToLimit != nil {
				secs = num(*c.SecondsToLimit)
			}
			if err := cw.Write([]string{c.Cluster, c.Node, strconv.Itoa(c.KillRank), c.Namespace, c.Pod, c.Container,
				strconv.Itoa(c.OOMScoreAdj), num(c.OOMScore), num(c.MemoryBytes), limit, ratio, num(c.GrowthPerSec), secs}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTable writes the report for a person: a table a node, containers
// in kill order, then the containers closest to their limit.
func WriteTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	memory := "WORKING SET"
	if r.MemoryMetric == "rss" {
		memory = "RSS"
	}
	for i, n := range r.Nodes {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "%s: kill order\n", nodeTitle(n.Cluster, n.Node))
		fmt.Fprintf(tw, "#\tNAMESPACE/POD/CONTAINER\tOOM_SCORE_ADJ\tSCORE\t%s\tLIMIT\tUSED\n", memory)
		for _, c := range n.Containers {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\n", c.KillRank, id(c), c.OOMScoreAdj, num(c.OOMScore),
				size(c.MemoryBytes), limitText(c), usedText(c))
		}
	}
	if len(r.Nodes) > 0 {
		fmt.Fprintln(tw)
	}
	fmt.Fprintln(tw, "closest to their memory limit")
	if len(r.NearLimit) == 0 {
		fmt.Fprintln(tw, "  (no container has a memory limit)")
	} else {
		fmt.Fprintf(tw, "NAMESPACE/POD/CONTAINER\tNODE\t%s\tLIMIT\tUSED\tGROWTH\tLIMIT IN\n", memory)
		for _, c := range r.NearLimit {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id(c), nodeTitle(c.Cluster, c.Node), size(c.MemoryBytes),
				limitText(c), usedText(c), growthText(c.GrowthPerSec), limitIn(c))
		}
	}
	return tw.Flush()
}

func nodeTitle(cluster, node string) string {
	if node == "" {
		node = "(no node)"
	}
	if cluster == "" {
		return node
	}
	return cluster + "/" + node
}

func id(c Container) string { return c.Namespace + "/" + c.Pod + "/" + c.Container }

func limitText(c Container) string {
	if c.LimitBytes <= 0 {
		return "-"
	}
	return size(c.LimitBytes)
}

func usedText(c Container) string {
	if c.LimitBytes <= 0 {
		return "-"
	}
	return strconv.FormatFloat(c.LimitRatio*100, 'f', 1, 64) + "%"
}

func growthText(g float64) string {
	if g == 0 {
		return "0"
	}
	sign := ""
	if g < 0 {
		sign, g = "-", -g
	}
	return sign + size(g*3600) + "/h"
}

func limitIn(c Container) string {
	if c.SecondsToLimit == nil {
		return "-"
	}
	if *c.SecondsToLimit == 0 {
		return "at the limit"
	}
	d := time.Duration(*c.SecondsToLimit) * time.Second
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	default:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
}

// size writes a number of bytes in binary units, three significant digits.
func size(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(b, 'f', 0, 64) + "B"
	}
	s := strconv.FormatFloat(b, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + units[i]
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
