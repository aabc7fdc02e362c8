package ruletest

import (
	"math"
	"strings"
	"testing"
)

func TestSeriesSamples(t *testing.T) {
	for _, tc := range []struct {
		values string
		want   uint64
	}{
		{"1 2 3", 3},
		{"0+1x10", 11},
		{"1x3 _x2 stale 5-1x4", 4 + 1 + 5},
		{"_x1000000000 1 _ _x3 2x1", 3},
		{"0+1x1000000000", 1000000001},
		{"{{schema:0 sum:5 count:4 buckets:[1 2 1]}}x20", 21},
		{"{{schema:0 sum:0 count:0}}+{{schema:0 sum:5 count:4 buckets:[1 2 1]}}x20 1", 22},
		{"0+1x99999999999999999999999", math.MaxUint64},
		{"", 0},
	} {
		if got := seriesSamples(tc.values, false); got != tc.want {
			t.Errorf("seriesSamples(%q) = %d, want %d", tc.values, got, tc.want)
		}
	}
}

func TestTemplateLimit(t *testing.T) {
	c, err := newConfig(disk{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text, want string
	}{
		// What alerts write, from kubernetes-mixin and the pack: within.
		{`The PersistentVolume claimed by {{ $labels.persistentvolumeclaim }} in Namespace {{ $labels.namespace }} {{ with $labels.cluster -}} on Cluster {{ . }} {{- end }} is only {{ $value | humanizePercentage }} free.`, ""},
		{`{{ printf "%.2f" $value }}% of {{ range query "up" }}{{ .Labels.job }} {{ end }}`, ""},
		{`no template`, ""},
		{`{{ unclosed`, ""}, // the rules manager writes the parse error
		{`{{ range 1000000000 }}x{{ end }}`, "the template can take 2000000010 steps"},
		{`{{ range query "up" }}{{ range query "up" }}{{ end }}{{ end }}`, "steps, more than the limit of 1000000"},
		{`{{ printf "%01000000000d" 1 }}`, "the template can write 1000000000 bytes"},
		{`{{ printf "%*d" 1000000000 1 }}`, "the template can write more than 18 quintillion bytes"},
		{`{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`, `template "a" calls itself`},
		{`{{define "a"}}` + strings.Repeat("x", 2<<20) + `{{end}}{{template "a"}}`, "the template can write 2097152 bytes"},
	} {
		got := c.templateLimit("A", tc.text)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("templateLimit(%.60q) = %q, want %q", tc.text, got, tc.want)
		}
	}
	// The flags raise the limits.
	c.limits.TemplateSteps, c.limits.TemplateBytes = 3_000_000_000, 2_000_000_000
	if got := c.templateLimit("A", `{{ range 1000000000 }}x{{ end }}`); got != "" {
		t.Errorf("with a raised limit: %q", got)
	}
}

func TestCallsQuery(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{`failing to handle {{$value | humanize}}% of "query" requests`, false},
		{`{{ with query "up" }}{{ . | first | value }}{{ end }}`, true},
		{`{{ define "x" }}{{ query "up" }}{{ end }}{{ template "x" }}`, true},
		{`{{ printf "%s" "query" }}`, false},
		{`{{ query `, false}, // does not parse: runs nothing
	} {
		if got := callsQuery("A", tc.text); got != tc.want {
			t.Errorf("callsQuery(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
