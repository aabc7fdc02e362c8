package crd_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

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

// edit returns the valid manifest with old replaced by new, once.
func edit(old, new string) string {
	if !strings.Contains(valid, old) {
		panic("not in the manifest: " + old)
	}
	return strings.Replace(valid, old, new, 1)
}

func TestValidate(t *testing.T) {
	v, err := crd.New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		doc    string
		errs   []string // "path: type" of each error
		strict []string
	}{
		{name: "valid", doc: valid},
		{name: "valid JSON", doc: `{"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
			"metadata": {"name": "m"}, "spec": {"groups": [{"name": "g", "rules": [{"record": "r", "expr": "up"}]}]}}`},
		{name: "no groups", doc: valid[:strings.Index(valid, "spec:")] + "spec: {}\n"},
		{name: "integer expr", doc: edit("expr: up == 0", "expr: 0")},
		{name: "null for is dropped", doc: edit("for: 5m", "for: null")},
		{name: "no namespace: the client's default", doc: edit("  namespace: monitoring\n", "")},
		{name: "generateName", doc: edit("  name: memory\n", "  generateName: memory-\n")},
		{name: "status is dropped on create", doc: valid + "status:\n  bindings: 3\n"},

		{name: "no spec", doc: valid[:strings.Index(valid, "spec:")],
			errs: []string{"spec: Required value"}},
		{name: "bad for", doc: edit("for: 5m", "for: 5 minutes"),
			errs: []string{"spec.groups[0].rules[0].for: Invalid value"}},
		{name: "bad interval", doc: edit("interval: 1m", "interval: 1h30"),
			errs: []string{"spec.groups[0].interval: Invalid value"}},
		{name: "empty keep_firing_for", doc: edit("keep_firing_for: 1m", `keep_firing_for: ""`),
			errs: []string{"spec.groups[0].rules[0].keep_firing_for: Invalid value"}},
		{name: "missing group name", doc: edit("    - name: g\n", "    - \n"),
			errs: []string{"spec.groups[0].name: Required value"}},
		{name: "empty group name", doc: edit("    - name: g\n", "    - name: ''\n"),
			errs: []string{"spec.groups[0].name: Invalid value"}},
		{name: "missing expr", doc: edit("          expr: 1\n", ""),
			errs: []string{"spec.groups[0].rules[1].expr: Required value"}},
		// An int-or-string field of another type gets the apiserver's
		// three errors, one of them without a path.
		{name: "expr of the wrong type", doc: edit("expr: 1", "expr: [1]"),
			errs: []string{"<nil>: Invalid value", "spec.groups[0].rules[1].expr: Invalid value", "spec.groups[0].rules[1].expr: Invalid value"}},
		{name: "rules of the wrong type", doc: edit("      rules:\n", "      rules: 3\n      x:\n"),
			errs:   []string{"spec.groups[0].rules: Invalid value"},
			strict: []string{`unknown field "spec.groups[0].x"`}},
		{name: "bad partial_response_strategy", doc: edit("warn", "sometimes"),
			errs: []string{"spec.groups[0].partial_response_strategy: Invalid value"}},
		{name: "duplicate group names", doc: valid + "    - name: g\n      rules: []\n",
			errs: []string{"spec.groups[1]: Duplicate value"}},
		{name: "name not a DNS subdomain", doc: edit("name: memory", "name: Memory_Rules"),
			errs: []string{"metadata.name: Invalid value"}},
		{name: "name too long", doc: edit("name: memory", "name: "+strings.Repeat("m", 254)),
			errs: []string{"metadata.name: Invalid value"}},
		{name: "no name", doc: edit("  name: memory\n", ""),
			errs: []string{"metadata.name: Required value"}},
		{name: "bad namespace", doc: edit("namespace: monitoring", "namespace: kube.system"),
			errs: []string{"metadata.namespace: Invalid value"}},
		{name: "bad label value", doc: edit("prometheus: k8s", "prometheus: k8s/x"),
			errs: []string{"metadata.labels: Invalid value"}},
		{name: "labels of the wrong type", doc: edit("  labels:\n    prometheus: k8s\n", "  labels: [k8s]\n"),
			errs: []string{"metadata: Invalid value"}},
		{name: "wrong kind", doc: edit("kind: PrometheusRule", "kind: PrometheusRules"),
			errs: []string{"kind: Invalid value"}},
		{name: "no kind", doc: edit("kind: PrometheusRule\n", ""),
			errs: []string{"kind: Required value"}},
		{name: "wrong version", doc: edit("coreos.com/v1", "coreos.com/v1beta1"),
			errs: []string{"apiVersion: Invalid value"}},

		// The apiserver prunes unknown fields; strict field validation
		// names them.
		{name: "unknown rule field", doc: edit("          for: 5m\n", "          for: 5m\n          severity: x\n"),
			strict: []string{`unknown field "spec.groups[0].rules[0].severity"`}},
		{name: "unknown metadata field", doc: edit("  name: memory\n", "  name: memory\n  tags: [a]\n"),
			strict: []string{`unknown field "metadata.tags"`}},
		{name: "unknown top-level fields", doc: valid + "b: 1\na: 2\n",
			strict: []string{`unknown field "a"`, `unknown field "b"`}},
		{name: "duplicate field", doc: edit("          for: 5m\n", "          for: 5m\n          for: 10m\n"),
			strict: []string{"yaml: unmarshal errors:\n  line 17: key \"for\" already set in map"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := v.Validate([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range res.Errors {
				got = append(got, e.Path+": "+e.Type)
			}
			if diff := cmp.Diff(tc.errs, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s\nall: %v", diff, res.Errors)
			}
			if diff := cmp.Diff(tc.strict, res.StrictErrors); diff != "" {
				t.Errorf("strict errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMessages pins the apiserver's wording for a few errors, as kubectl
// shows them after the object's name.
func TestMessages(t *testing.T) {
	tests := []struct {
		doc  string
		want string
	}{
		{edit("for: 5m", "for: 5 minutes"),
			`spec.groups[0].rules[0].for: Invalid value: "5 minutes": spec.groups[0].rules[0].for in body should match ` +
				`'^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$'`},
		{edit("    - name: g\n", "    - \n"), "spec.groups[0].name: Required value"},
		{valid + "    - name: g\n      rules: []\n", `spec.groups[1]: Duplicate value: {"name":"g"}`},
		{edit("  name: memory\n", ""), "metadata.name: Required value: name or generateName is required"},
	}
	for _, tc := range tests {
		res, err := crd.ValidatePrometheusRule([]byte(tc.doc))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Errors) != 1 || res.Errors[0].Error() != tc.want {
			t.Errorf("got %q, want %q", res.Errors, tc.want)
		}
	}
}

func TestNotAnObject(t *testing.T) {
	for _, doc := range []string{"- a\n- b\n", "a: [\n", "3\n"} {
		if res, err := crd.ValidatePrometheusRule([]byte(doc)); err == nil {
			t.Errorf("%q: no error, result %+v", doc, res)
		}
	}
}

// TestManifest checks that the embedded CRD is the PrometheusRule CRD of the
// monitoring module this one pins: run `make crd` after changing go.mod.
func TestManifest(t *testing.T) {
	var c apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(crd.Manifest(), &c); err != nil {
		t.Fatal(err)
	}
	if c.Name != "prometheusrules.monitoring.coreos.com" {
		t.Errorf("name %q", c.Name)
	}
	// Test binaries carry no dependency versions: ask go.mod.
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}",
		"github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	got := c.Annotations["operator.prometheus.io/version"]
	if want := strings.TrimPrefix(strings.TrimSpace(string(out)), "v"); got != want {
		t.Errorf("the CRD is from operator %s, go.mod pins %s: run make crd", got, want)
	}
}

func TestConcurrent(t *testing.T) {
	v, err := crd.New()
	if err != nil {
		t.Fatal(err)
	}
	docs := []string{valid, edit("for: 5m", "for: 5 minutes"), edit("prometheus: k8s", "prometheus: k8s/x")}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			doc := docs[i%len(docs)]
			res, err := v.Validate([]byte(doc))
			if err != nil || (len(res.Errors) == 0) != (doc == valid) {
				t.Errorf("%d: %v %v", i, res.Errors, err)
			}
		})
	}
	wg.Wait()
}

// TestWrittenPrometheusRulesValidate writes every good rule file of the
// rules package's corpus as a PrometheusRule and checks it against the CRD.
func TestWrittenPrometheusRulesValidate(t *testing.T) {
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
			res, err := crd.ValidatePrometheusRule(out.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Errors) > 0 || len(res.StrictErrors) > 0 {
				t.Errorf("%s (%s): the CRD refuses it: %v %v\n%s", p, enc, res.Errors, res.StrictErrors, out.String())
			}
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	v, err := crd.New()
	if err != nil {
		b.Fatal(err)
	}
	var doc strings.Builder
	doc.WriteString(valid)
	for i := range 100 {
		fmt.Fprintf(&doc, "    - name: g%d\n      rules:\n        - record: r%d\n          expr: sum(up)\n", i, i)
	}
	b.ReportAllocs()
	for b.Loop() {
		if res, err := v.Validate([]byte(doc.String())); err != nil || len(res.Errors) > 0 {
			b.Fatal(res, err)
		}
	}
}
