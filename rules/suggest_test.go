package rules

import "testing"

func TestSuggest(t *testing.T) {
	kinds := []string{"PrometheusRule", "PrometheusRuleList", "List"}
	for _, tc := range []struct {
		word       string
		candidates []string
		want       string
	}{
		{"PrometheusRul", kinds, "PrometheusRule"},
		{"prometheusrule", kinds, "PrometheusRule"},
		{"PromethuesRule", kinds, "PrometheusRule"}, // a swap is one edit
		{"PrometheusRules", kinds, "PrometheusRule"},
		{"PrometheusRulesList", kinds, "PrometheusRuleList"},
		{"Lst", kinds, "List"},
		{"ServiceMonitor", kinds, ""},
		{"ConfigMap", kinds, ""},
		{"Pod", kinds, ""},
		{"specs", []string{"apiVersion", "kind", "metadata", "spec"}, "spec"},
		{"metdata", []string{"apiVersion", "kind", "metadata", "spec"}, "metadata"},
		{"rule", []string{"name", "interval", "rules"}, "rules"},
		{"labls", []string{"record", "alert", "expr", "for", "labels", "annotations"}, "labels"},
		{"xyz", []string{"for"}, ""},
	} {
		if got := Suggest(tc.word, tc.candidates); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "ab", 2}, {"kitten", "sitting", 3},
		{"ab", "ba", 1}, {"abc", "acb", 1}, {"Prometheus", "Promethues", 1}, {"größe", "grosse", 3},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
