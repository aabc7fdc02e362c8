package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/lint/checks"
)

// BenchmarkLintScaling runs the whole lint pipeline (loading, every check,
// sorting) on the inputs of the rows at 1x, 10x and 100x a size: the time
// and memory per op of each case should grow by 10x from one size to the
// next, not 100x.
//
//	go test ./cmd/oomguard -run '^$' -bench LintScaling -benchtime 1x
func BenchmarkLintScaling(b *testing.B) {
	cases := []struct {
		name  string
		sizes []int
		make  func(int) string
	}{
		{"list-yaml/objects", []int{10, 100, 1000}, func(n int) string { return blockList(n, "") }},
		{"list-json/objects", []int{100, 1000, 10_000}, compactList},
		{"unknown-fields/objects", []int{10, 100, 1000}, func(n int) string { return blockList(n, "        severity: critical\n") }},
		{"long-line/rules", []int{200, 2000, 20_000}, longLineRules},
		// Past the operator limit the expression is refused at once: 5 KB,
		// 50 KB and 500 KB of a + a + ... cost the same.
		{"sum-chain/bytes", []int{5000, 50_000, 500_000}, func(n int) string { return ruleOf(strings.Repeat("a + ", n/4) + "a") }},
		{"or-join/groups", []int{2, 20, 200}, func(n int) string {
			// Within the operator limit: 200 groups of 1 selector.
			g := max(1, min(10, 250/n))
			return ruleOf(orJoins(n, g))
		}},
		{"duplicate-regexps/alternatives", []int{100, 1000, 10_000}, sameNamed},
		// identity/duplicate-rule compares rules of one name: each pins
		// job to its own value, as a rule per team or per job does.
		{"same-name/rules", []int{100, 1000, 10_000}, sameNamePinned},
		// ... and pin nothing that indexes them (regexps): each is
		// compared with at most DuplicateComparisons rules before it.
		{"same-name-unpinned/rules", []int{100, 1000, 10_000}, sameNameUnpinned},
	}
	all := checks.All()
	for _, c := range cases {
		for _, n := range c.sizes {
			b.Run(fmt.Sprintf("%s=%d", c.name, n), func(b *testing.B) {
				path := filepath.Join(b.TempDir(), "in.yaml")
				if err := os.WriteFile(path, []byte(c.make(n)), 0o644); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := lint.Inputs(lint.Options{Inputs: []string{path}, Checks: all}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// longLineRules is a rule file on one line of n rules that do not parse.
func longLineRules(n int) string {
	var b strings.Builder
	b.WriteString(`{"groups":[{"name":"g","rules":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"record":"r%d","expr":"sum by (job) (rate(x_total{job=\"a\"}[5m])) + bad(("}`, i)
	}
	b.WriteString("]}]}\n")
	return b.String()
}

// sameNamePinned is a rule file of n recording rules of one name, each
// pinning job to a value of its own: no two write the same series.
func sameNamePinned(n int) string {
	return sameName(n, "sum by (job) (rate(x_total{job=\"j%d\"}[5m]))")
}

// sameNameUnpinned is n rules of one name, each selecting instances by a
// regexp of its own: no label pinned to values written out.
func sameNameUnpinned(n int) string {
	return sameName(n, "sum by (job, instance) (rate(x_total{instance=~\"i.*-%d\"}[5m]))")
}

// sameName is n recording rules of one name, the i-th with expr (a format
// of i).
func sameName(n int, expr string) string {
	var b strings.Builder
	b.WriteString("groups:\n- name: g\n  rules:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - record: job:x:sum\n    expr: "+expr+"\n", i)
	}
	return b.String()
}
