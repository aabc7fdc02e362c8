package crd_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"

	"github.com/oomguard/oomguard/internal/crd"
	"github.com/oomguard/oomguard/rules"
)

const valid = `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: memory
  namespace: monitoring
  labels:
    prometheus: k8s
spec:
  groups:
    - name: g
      interval: 1m
      partial_response_strategy: warn
      rules:
        - alert: A
          expr: up == 0
          for: 5m
          keep_firing_for: 1m
          labels:
            severity: critical
        - record: r
          expr: 1
`

func TestValidate(t *testing.T) {
	v, err := crd.New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		edit    func(string) string
		want    string // a substring of one error; "" means valid
		unknown string // an unknown field expected
	}{
		{"valid", func(s string) string { return s }, "", ""},
		{"bad for", func(s string) string { return strings.Replace(s, "for: 5m", "for: 5 minutes", 1) }, "spec.groups[0].rules[0].for", ""},
		{"bad interval", func(s string) string { return strings.Replace(s, "interval: 1m", "interval: 1h30", 1) }, "spec.groups[0].interval", ""},
		{"empty keep_firing_for", func(s string) string { return strings.Replace(s, "keep_firing_for: 1m", `keep_firing_for: ""`, 1) }, "spec.groups[0].rules[0].keep_firing_for", ""},
		{"missing group name", func(s string) string { return strings.Replace(s, "    - name: g\n", "    - \n", 1) }, "spec.groups[0].name", ""},
		{"bad partial_response_strategy", func(s string) string { return strings.Replace(s, "warn", "sometimes", 1) }, "partial_response_strategy", ""},
		{"expr of the wrong type", func(s string) string { return strings.Replace(s, "expr: 1", "expr: [1]", 1) }, "spec.groups[0].rules[1].expr", ""},
		{"missing expr", func(s string) string { return strings.Replace(s, "          expr: 1\n", "", 1) }, "spec.groups[0].rules[1].expr", ""},
		{"duplicate group names", func(s string) string {
			return s + "    - name: g\n      rules: []\n"
		}, "spec.groups[1]", ""},
		{"bad name", func(s string) string { return strings.Replace(s, "name: memory", "name: Memory_Rules", 1) }, "metadata.name", ""},
		{"bad label value", func(s string) string { return strings.Replace(s, "prometheus: k8s", "prometheus: k8s/x", 1) }, "metadata.labels", ""},
		{"wrong kind", func(s string) string { return strings.Replace(s, "kind: PrometheusRule", "kind: PrometheusRules", 1) }, "kind", ""},
		{"unknown field pruned", func(s string) string {
			return strings.Replace(s, "          for: 5m\n", "          for: 5m\n          severity: x\n", 1)
		}, "", "spec.groups[0].rules[0].severity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := v.ValidateYAML([]byte(tc.edit(valid)))
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" && len(res.Errors) > 0 {
				t.Fatalf("unexpected errors: %v", res.Errors)
			}
			if tc.want != "" {
				found := false
				for _, e := range res.Errors {
					if strings.Contains(e.Error(), tc.want) {
						found = true
					}
				}
				if !found {
					t.Fatalf("no error about %s in %v", tc.want, res.Errors)
				}
			}
			if tc.unknown != "" && (len(res.Unknown) != 1 || res.Unknown[0] != tc.unknown) {
				t.Fatalf("unknown fields %v, want [%s]", res.Unknown, tc.unknown)
			}
			if tc.unknown == "" && len(res.Unknown) > 0 {
				t.Fatalf("unexpected unknown fields %v", res.Unknown)
			}
		})
	}
}

// TestWrittenPrometheusRulesValidate writes every good rule file of the
// rules package's corpus as a PrometheusRule and checks it against the CRD.
func TestWrittenPrometheusRulesValidate(t *testing.T) {
	v, err := crd.New()
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob("../../rules/testdata/good/*.yaml")
	paths = append(paths, "../../examples/container-memory.rules.yaml")
	if len(paths) < 3 {
		t.Fatalf("corpus missing: %v", paths)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, errs := rules.Parse(p, data, rules.Options{})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		meta := rules.ObjectMeta{Name: "x", Namespace: "monitoring", Labels: map[string]string{"prometheus": "k8s", "role": "alert-rules"}}
		for _, enc := range []rules.Encoding{rules.YAML, rules.JSON} {
			var out bytes.Buffer
			if err := rules.WritePrometheusRules(&out, []*monitoringv1.PrometheusRule{rules.PrometheusRule(meta, f.Groups())}, enc); err != nil {
				t.Fatal(err)
			}
			res, err := v.ValidateYAML(out.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Errors) > 0 || len(res.Unknown) > 0 {
				t.Errorf("%s (%s): the CRD refuses it: %v, unknown %v\n%s", p, enc, res.Errors, res.Unknown, out.String())
			}
		}
	}
}
