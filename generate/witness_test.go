package generate

import (
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

func matchers(t *testing.T, sel string) []*labels.Matcher {
	t.Helper()
	ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector("{" + sel + "}")
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestWitness finds values for matchers on one label, and checks each
// with the matchers; where it must find none, it must say so.
func TestWitness(t *testing.T) {
	tests := []struct {
		sel      string
		prefer   []string
		nonEmpty bool
		want     string // "" with found false: none
		found    bool
	}{
		{`l="a"`, nil, false, "a", true},
		{`l="a"`, []string{"b"}, false, "a", true},
		{`l=~"prod-.*"`, nil, true, "prod-", true},
		{`l=~"prod-.*"`, []string{"ns"}, true, "prod-", true},
		{`l=~"prod-.*", l!="prod-"`, nil, true, "prod-a", true},
		{`l=~"prod-.*", l=~".*-eu"`, nil, true, "prod--eu", true},
		{`l=~"prod-.*", l!~"prod-[a-z]*"`, nil, true, "prod-0", true},
		{`l=~"(?i)PROD-[0-9]{2,3}"`, nil, true, "PROD-00", true},
		{`l=~"ksm|kube-state-metrics"`, nil, true, "ksm", true},
		{`l=~".+"`, nil, false, "a", true},
		{`l=~".*"`, nil, false, "", true},
		{`l!~"kube-.*"`, []string{"ns"}, true, "ns", true},
		{`l!~"kube-.*"`, nil, false, "", true},
		{`l!=""`, nil, false, "a", true},
		{`l!~".+"`, nil, true, "", false},
		{`l="a", l="b"`, nil, false, "", false},
		{`l=~"prod-.*", l!~"prod-.*"`, nil, true, "", false},
		{`l=~"[^\\x00-\\x{10FFFF}]"`, nil, false, "", false},
		{`l=~"a\"b"`, nil, false, "", false},
		{`l=~"^web-(api|ui)$"`, nil, true, "web-api", true},
		{`l=~"\\d+\\.\\d+"`, nil, true, "0.0", true},
	}
	for _, tc := range tests {
		t.Run(tc.sel, func(t *testing.T) {
			ms := matchers(t, tc.sel)
			got, found, tried := witness(ms, tc.prefer, tc.nonEmpty)
			if found != tc.found || got != tc.want {
				t.Fatalf("witness = %q, %v (tried %d); want %q, %v", got, found, tried, tc.want, tc.found)
			}
			if !found {
				if tried == 0 || tried > maxCandidates {
					t.Errorf("tried %d candidates", tried)
				}
				return
			}
			for _, m := range ms {
				if !m.Matches(got) {
					t.Errorf("%s refuses %q", m, got)
				}
			}
		})
	}
}
