package checks

import (
	"strings"
	"testing"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// spanText returns the text of a file from a position to just before
// another: lines and columns are 1-based, columns count characters.
func spanText(src string, from, to rules.Pos) string {
	lines := strings.SplitAfter(src, "\n")
	offset := func(p rules.Pos) int {
		off := 0
		for _, l := range lines[:p.Line-1] {
			off += len(l)
		}
		line := []rune(lines[p.Line-1])
		return off + len(string(line[:p.Col-1]))
	}
	return src[offset(from):offset(to)]
}

// TestSpans: a finding's span is the text it is about, a YAML value or a
// part of an expression, however the expression is written.
func TestSpans(t *testing.T) {
	const src = `groups:
  - name: g
    rules:
      - alert: high_memory
        expr: |
          sum by (namespace) (
            container_memory_working_set_bytes
          ) > 1e9
        for: 5m
        labels: {severity: warning}
        annotations: {summary: "{{ $labels.pod }} high", description: d, runbook_url: u}
      - alert: NoCondition
        expr: "rate(errors_total{job='api'}[5m])"
        for: 5m
        labels: {severity: warning}
      - alert: Regexp
        expr: "up{job=~\"kubelet\"} == 0"
        for: 5m
        labels: {severity: pager}
        annotations: {summary: s, description: d, runbook_url: u}
`
	f, errs := rules.Parse("a.yaml", []byte(src), rules.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string]string{
		"identity/alert-name":                  "high_memory",
		"kubernetes/cadvisor-container-filter": "container_memory_working_set_bytes",
		"promql/static-regexp":                 `job=~\"kubelet\"`,
		"labels/severity-value":                "pager",
		"labels/template-dropped-label":        "$labels.pod",
		"alerts/no-condition":                  "rate(errors_total{job='api'}[5m])",
	}
	seen := map[string]bool{}
	cfg := engine.DefaultConfig()
	cfg.Enabled = map[string]bool{"identity/alert-name": true, "labels/severity-value": true}
	for _, d := range engine.Run([]*rules.File{f}, errs, All(), cfg) {
		w, ok := want[d.Check]
		if !ok {
			continue
		}
		seen[d.Check] = true
		if got := spanText(src, d.Pos, d.End); got != w {
			t.Errorf("%s: span %v-%v is %q, want %q", d.Check, d.Pos, d.End, got, w)
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("%s: no finding", id)
		}
	}
}
