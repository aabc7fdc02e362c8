package rules

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	yamlv2 "go.yaml.in/yaml/v2"
	yaml "go.yaml.in/yaml/v4"
	sigsyaml "sigs.k8s.io/yaml"
)

// trickyStrings are strings that some YAML reader takes for something else
// when they are written plain.
var trickyStrings = []string{
	"y", "Y", "yes", "No", "ON", "off", "true", "False", "null", "Null", "~", "",
	"1e3", "1E3", "0x1F", "0o17", "017", "1_000", "1:20", "190:20:30", ".inf", "-.Inf", ".NaN",
	"2001-12-14", "2001-12-14t21:59:43.10-05:00", "123", "-1", "+1", "0.5", "+.5", "1.", "0b101",
	"@at", "`tick", "a: b", "- x", "# c", "x #y", " lead", "trail ", "multi\nline", "multi\nline\n",
	"{a}", "[x]", "!tag", "&anchor", "*alias", "%x", "|", ">", "?", ",x", "=", "<<",
	"{{ $labels.pod }} is at {{ $value | humanizePercentage }}", "'quoted'", "\"dq\"", "tab\there",
	"ünïcödé", "line with trailing space \nnext", "\ttab first", "foo:", "a:b", "key: value", "sum(up) > 0.9", "up{job=\"a\"} # c", "Yes", "NULL",
}

// TestQuotingSurvivesYAML11 writes tricky strings as label keys and values
// and reads the output back with a YAML 1.1 reader (yaml.v2), kubectl's
// reader (sigs.k8s.io/yaml) and a YAML 1.2 reader: each must read back the
// same strings.
func TestQuotingSurvivesYAML11(t *testing.T) {
	labels := Map{}
	for _, s := range trickyStrings {
		labels = append(labels, Pair{Key: Str{Value: "k" + s}, Value: Str{Value: s}})
	}
	for _, s := range trickyStrings {
		if s != "" && !strings.ContainsAny(s, "\n") {
			labels = append(labels, Pair{Key: Str{Value: s}, Value: Str{Value: "key"}})
		}
	}
	groups := []*Group{{Name: Str{Value: "g"}, Rules: []*Rule{{Record: Str{Value: "r"}, Expr: Str{Value: "up"}, Labels: labels}}}}
	var out bytes.Buffer
	if err := WriteRuleFile(&out, groups, WriteOptions{Encoding: YAML}); err != nil {
		t.Fatal(err)
	}
	want := labels.Strings()

	// Each reader decodes into untyped values, so that a string read as a
	// bool, a number, a timestamp or null shows.
	labelsOf := func(doc any) map[string]any {
		out := map[string]any{}
		var rule any
		switch d := doc.(type) {
		case map[any]any: // yaml.v2
			rule = d["groups"].([]any)[0].(map[any]any)["rules"].([]any)[0].(map[any]any)["labels"]
			for k, v := range rule.(map[any]any) {
				ks, ok := k.(string)
				if !ok {
					ks = "NOT A STRING KEY"
				}
				out[ks] = v
			}
		case map[string]any:
			rule = d["groups"].([]any)[0].(map[string]any)["rules"].([]any)[0].(map[string]any)["labels"]
			out = rule.(map[string]any)
		}
		return out
	}
	check := func(reader string, doc any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\n%s", reader, err, out.String())
		}
		m := labelsOf(doc)
		for k, v := range want {
			if got, ok := m[k].(string); !ok || got != v {
				t.Errorf("%s: label %q reads back as %#v, want %q", reader, k, m[k], v)
			}
		}
		if len(m) != len(want) {
			t.Errorf("%s: %d labels, want %d", reader, len(m), len(want))
		}
	}
	var v2, k8s, v4 any
	err := yamlv2.Unmarshal(out.Bytes(), &v2)
	check("yaml.v2 (YAML 1.1)", v2, err)
	err = sigsyaml.Unmarshal(out.Bytes(), &k8s)
	check("sigs.k8s.io/yaml (kubectl)", k8s, err)
	err = yaml.Unmarshal(out.Bytes(), &v4)
	check("yaml v4 (YAML 1.2)", v4, err)
}

// TestNumbersExact checks that integers are written as they are.
func TestNumbersExact(t *testing.T) {
	g := &Group{Name: Str{Value: "g"}, Limit: Int{Str: Str{Value: "10000000", Present: true}, N: 10000000},
		Rules: []*Rule{{Record: Str{Value: "r"}, Expr: Str{Value: "0.9 * 1e3"}}}}
	for _, enc := range []Encoding{YAML, JSON} {
		var out bytes.Buffer
		if err := WriteRuleFile(&out, []*Group{g}, WriteOptions{Encoding: enc}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "10000000") || strings.Contains(out.String(), "e+07") {
			t.Errorf("%s: limit not written exactly:\n%s", enc, out.String())
		}
		if !strings.Contains(out.String(), "0.9 * 1e3") {
			t.Errorf("%s: expression changed:\n%s", enc, out.String())
		}
	}
}

// TestRoundTrip converts every good rule file to a PrometheusRule and back,
// and checks the result against golden files: the rule file written from
// the PrometheusRule equals the one written straight from the source, and
// both equal their golden.
func TestRoundTrip(t *testing.T) {
	paths, _ := filepath.Glob("testdata/good/*.yaml")
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, errs := Parse(path, data, Options{})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			var direct, pr, back bytes.Buffer
			if err := WriteRuleFile(&direct, f.Groups(), WriteOptions{Encoding: YAML}); err != nil {
				t.Fatal(err)
			}
			meta := ObjectMeta{Name: name, Namespace: "monitoring", Labels: map[string]string{"prometheus": "k8s", "role": "alert-rules"}}
			if err := WritePrometheusRules(&pr, []*monitoringv1.PrometheusRule{PrometheusRule(meta, f.Groups())}, YAML); err != nil {
				t.Fatal(err)
			}
			f2, errs := Parse("pr.yaml", pr.Bytes(), Options{})
			if len(errs) > 0 {
				t.Fatalf("written PrometheusRule does not load: %v\n%s", errs, pr.String())
			}
			if err := WriteRuleFile(&back, f2.Groups(), WriteOptions{Encoding: YAML}); err != nil {
				t.Fatal(err)
			}
			if back.String() != direct.String() {
				t.Errorf("round trip changed the rules:\nvia PrometheusRule:\n%s\ndirect:\n%s", back.String(), direct.String())
			}
			assertSameRules(t, f.Groups(), f2.Groups())
			golden(t, "testdata/golden/"+name+".rules.yaml", direct.Bytes())
			golden(t, "testdata/golden/"+name+".prometheusrule.yaml", pr.Bytes())

			// JSON is an encoding of the same objects.
			var js bytes.Buffer
			if err := WritePrometheusRules(&js, []*monitoringv1.PrometheusRule{PrometheusRule(meta, f.Groups())}, JSON); err != nil {
				t.Fatal(err)
			}
			var fromJSON, fromYAML any
			if err := json.Unmarshal(js.Bytes(), &fromJSON); err != nil {
				t.Fatal(err)
			}
			if err := sigsyaml.Unmarshal(pr.Bytes(), &fromYAML); err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(fromJSON)
			b, _ := json.Marshal(fromYAML)
			if !bytes.Equal(a, b) {
				t.Errorf("JSON and YAML differ:\n%s\n%s", a, b)
			}
		})
	}
}

// assertSameRules compares the values of two loads of the same rules.
func assertSameRules(t *testing.T, a, b []*Group) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d groups, then %d", len(a), len(b))
	}
	for i := range a {
		ga, gb := a[i], b[i]
		if ga.Name.Value != gb.Name.Value || ga.Interval.Value != gb.Interval.Value || ga.QueryOffset.Value != gb.QueryOffset.Value ||
			ga.Limit.N != gb.Limit.N || !equalMaps(ga.Labels, gb.Labels) || len(ga.Rules) != len(gb.Rules) {
			t.Fatalf("group %d differs: %+v / %+v", i, ga, gb)
		}
		for j := range ga.Rules {
			ra, rb := ga.Rules[j], gb.Rules[j]
			if ra.Record.Value != rb.Record.Value || ra.Alert.Value != rb.Alert.Value || ra.Expr.Value != rb.Expr.Value ||
				ra.For.Value != rb.For.Value || ra.KeepFiringFor.Value != rb.KeepFiringFor.Value ||
				!equalMaps(ra.Labels, rb.Labels) || !equalMaps(ra.Annotations, rb.Annotations) {
				t.Errorf("group %q rule %d differs", ga.Name.Value, j)
			}
		}
	}
}

func equalMaps(a, b Map) bool {
	ma, mb := a.Strings(), b.Strings()
	if len(ma) != len(mb) {
		return false
	}
	for k, v := range ma {
		if w, ok := mb[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
