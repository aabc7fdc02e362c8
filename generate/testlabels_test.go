package generate

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDeriveTestLabels checks the labels chosen for the pack's test
// series: each selected by the selectors, the defaults kept where they fit.
func TestDeriveTestLabels(t *testing.T) {
	defaultKubelet := map[string]string{"job": "kubelet", "metrics_path": "/metrics"}
	tests := []struct {
		name string
		sets []string
		want testLabels
	}{
		{"defaults", nil, testLabels{
			Cadvisor:         map[string]string{"job": "kubelet", "metrics_path": "/metrics/cadvisor"},
			KubeStateMetrics: map[string]string{"job": "kube-state-metrics"},
			Kubelet:          defaultKubelet,
			Namespace:        "ns", Cluster: "test-cluster",
		}},
		{"regexp namespace", []string{`namespaceSelector=namespace=~"prod-.*"`}, testLabels{
			Cadvisor:         map[string]string{"job": "kubelet", "metrics_path": "/metrics/cadvisor", "namespace": "prod-"},
			KubeStateMetrics: map[string]string{"job": "kube-state-metrics", "namespace": "prod-"},
			Kubelet:          defaultKubelet,
			Namespace:        "prod-", Cluster: "test-cluster",
		}},
		{"negative namespace keeps the default", []string{`namespaceSelector=namespace!~"kube-.*"`}, testLabels{
			Cadvisor:         map[string]string{"job": "kubelet", "metrics_path": "/metrics/cadvisor", "namespace": "ns"},
			KubeStateMetrics: map[string]string{"job": "kube-state-metrics", "namespace": "ns"},
			Kubelet:          defaultKubelet,
			Namespace:        "ns", Cluster: "test-cluster",
		}},
		{"two regexps on one label, several labels", []string{
			`namespaceSelector=namespace=~"prod-.*", namespace=~".*-eu", namespace!="prod--eu", team="payments", tier!~"batch|test"`,
		}, testLabels{
			Cadvisor:         map[string]string{"job": "kubelet", "metrics_path": "/metrics/cadvisor", "namespace": "prod-a-eu", "team": "payments"},
			KubeStateMetrics: map[string]string{"job": "kube-state-metrics", "namespace": "prod-a-eu", "team": "payments"},
			Kubelet:          defaultKubelet,
			Namespace:        "prod-a-eu", Cluster: "test-cluster",
		}},
		{"regexp jobs, a matcher the empty value passes", []string{
			`cadvisorSelector=job=~"kubelet|cadvisor", metrics_path=~"/metrics/cad.*", node=~"worker-[0-9]+"`,
			`kubeStateMetricsSelector=job=~".*kube-state-metrics", service!="debug"`,
		}, testLabels{
			Cadvisor:         map[string]string{"job": "kubelet", "metrics_path": "/metrics/cad", "node": "worker-0"},
			KubeStateMetrics: map[string]string{"job": "kube-state-metrics"},
			Kubelet:          defaultKubelet,
			Namespace:        "ns", Cluster: "test-cluster",
		}},
		{"the cluster in multi-cluster mode", []string{
			"showMultiCluster=true", "clusterLabel=k8s_cluster", `namespaceSelector=k8s_cluster=~"eu-.*"`,
		}, testLabels{
			Cadvisor:         map[string]string{"job": "kubelet", "metrics_path": "/metrics/cadvisor", "k8s_cluster": "eu-"},
			KubeStateMetrics: map[string]string{"job": "kube-state-metrics", "k8s_cluster": "eu-"},
			Kubelet:          defaultKubelet,
			Namespace:        "ns", Cluster: "eu-",
		}},
		{"the cluster label without multi-cluster mode is a label like others", []string{
			`cadvisorSelector=job="kubelet", metrics_path="/metrics/cadvisor", cluster="eu1"`,
		}, testLabels{
			Cadvisor:         map[string]string{"job": "kubelet", "metrics_path": "/metrics/cadvisor", "cluster": "eu1"},
			KubeStateMetrics: map[string]string{"job": "kube-state-metrics"},
			Kubelet:          defaultKubelet,
			Namespace:        "ns", Cluster: "test-cluster",
		}},
		{"testLabels set by hand stay, and add labels", []string{
			`kubeStateMetricsSelector=job=~"ksm|kube-state-metrics"`, "testLabels.kubeStateMetrics.job=kube-state-metrics",
			"testLabels.kubeStateMetrics.instance=ksm-0", `namespaceSelector=namespace=~"prod-.*"`, "testLabels.namespace=prod-eu",
		}, testLabels{
			Cadvisor:         map[string]string{"job": "kubelet", "metrics_path": "/metrics/cadvisor", "namespace": "prod-eu"},
			KubeStateMetrics: map[string]string{"job": "kube-state-metrics", "instance": "ksm-0", "namespace": "prod-eu"},
			Kubelet:          defaultKubelet,
			Namespace:        "prod-eu", Cluster: "test-cluster",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := checkSets(tc.sets...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, c.tests); diff != "" {
				t.Errorf("test labels (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTestLabelsRefused gives selectors no test series can pass, or
// testLabels the selectors refuse: one message, at the setting.
func TestTestLabelsRefused(t *testing.T) {
	tests := []struct {
		sets []string
		want string
	}{
		{[]string{`namespaceSelector=namespace=~"prod-.*", namespace!~"prod-.*"`},
			`--set namespaceSelector=namespace=~"prod-.*", namespace!~"prod-.*": namespaceSelector: found no namespace that namespace=~"prod-.*", namespace!~"prod-.*" all accept (tried `},
		{[]string{`cadvisorSelector=namespace="a"`, `namespaceSelector=namespace="b"`},
			`--set namespaceSelector=namespace="b": cadvisorSelector and namespaceSelector: no series has namespace="a", which namespace="a" (cadvisorSelector) asks for and namespace="b" (namespaceSelector) refuses`},
		{[]string{`namespaceSelector=job="x"`},
			`--set namespaceSelector=job="x": cadvisorSelector and namespaceSelector: no series has job="kubelet", which job="kubelet" (cadvisorSelector) asks for and job="x" (namespaceSelector) refuses`},
		{[]string{`kubeStateMetricsSelector=job=~"[^\\x00-\\x{10FFFF}]"`},
			`--set kubeStateMetricsSelector=job=~"[^\\x00-\\x{10FFFF}]": kubeStateMetricsSelector: found no job that job=~"[^\\x00-\\x{10FFFF}]" accepts`},
		{[]string{`namespaceSelector=namespace=~"prod-.*"`, "testLabels.namespace=dev"},
			`--set testLabels.namespace=dev: testLabels.namespace "dev" is not selected by namespaceSelector: it does not match namespace=~"prod-.*"`},
		{[]string{"testLabels.cadvisor.job=cadvisor"},
			`--set testLabels.cadvisor.job=cadvisor: testLabels.cadvisor.job "cadvisor" is not selected by cadvisorSelector: it does not match job="kubelet"`},
		{[]string{"showMultiCluster=true", `namespaceSelector=cluster!~".+"`},
			`--set namespaceSelector=cluster!~".+": namespaceSelector: found no cluster that cluster!~".+" accepts`},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			_, err := checkSets(tc.sets...)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error\n  %v\nwant\n  %s...", err, tc.want)
			}
		})
	}
}

// TestTestSeriesRefused gives a selector that refuses a label the pack's
// tests set themselves: Build stops before running a test, at the selector.
func TestTestSeriesRefused(t *testing.T) {
	slowUnderRace(t)
	set := `kubeStateMetricsSelector=job="kube-state-metrics", container!=""`
	want := `kubeStateMetricsSelector: container!="" refuses the pack's test series kube_pod_info (test group "oom_score_adj by QoS class, and the OOM score estimate"), which has no container label: the pack cannot test this selector`
	_, err := Build(overridesOf(t, []string{set}))
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Set != set || ce.Msg != want {
		t.Fatalf("error\n  %v\nwant\n  --set %s: %s", err, set, want)
	}
}

// TestCheckTestSeries checks test series against selectors, on rules and
// tests made up for it: a series is checked only where a rule selects it
// by its own matchers and the default selectors would.
func TestCheckTestSeries(t *testing.T) {
	sels := []ruleSelector{{
		rule: "r", metric: "container_memory_rss",
		own:   matchers(t, `container!=""`),
		knobs: []string{cadvisorSelector, namespaceSel},
	}}
	tests := `{"pack_test.yaml": {"tests": [{"name": "g", "input_series": [
		{"series": "container_memory_rss{job=\"kubelet\", metrics_path=\"/metrics/cadvisor\", namespace=\"ns\", pod=\"p\", container=\"c\"}"},
		{"series": "container_memory_rss{job=\"kubelet\", metrics_path=\"/metrics/cadvisor\", namespace=\"ns\", pod=\"p\", container=\"\"}"},
		{"series": "container_memory_rss{job=\"kubelet\", metrics_path=\"/metrics/resource\", namespace=\"ns\", pod=\"p\", container=\"c\"}"},
		{"series": "container_memory_rss{job=\"kubelet\", metrics_path=\"/metrics/cadvisor\", namespace=\"ns\", pod=\"p\", container=\"POD\"}"},
		{"series": "container_memory_cache{job=\"kubelet\", metrics_path=\"/metrics/cadvisor\", namespace=\"ns\", pod=\"web-1\", container=\"c\"}"}
	]}]}}`
	cases := []struct {
		set, want string
	}{
		// The pod-level series (container="") is the rule's own to refuse,
		// /metrics/resource the default selector's.
		{`cadvisorSelector=job="kubelet", metrics_path="/metrics/cadvisor", container!=""`, ""},
		{`cadvisorSelector=job="kubelet", metrics_path="/metrics/cadvisor", image!="x"`, ""},
		// No rule reads container_memory_cache.
		{`namespaceSelector=pod!~"web-.*"`, ""},
		{`cadvisorSelector=job="kubelet", metrics_path="/metrics/cadvisor", container!="POD"`,
			`cadvisorSelector: container!="POD" refuses the pack's test series container_memory_rss (test group "g"), which has container="POD", a label the tests set themselves`},
		{`namespaceSelector=pod=~"web-.*"`,
			`namespaceSelector: pod=~"web-.*" refuses the pack's test series container_memory_rss (test group "g"), which has pod="p", a label the tests set themselves`},
	}
	for _, tc := range cases {
		t.Run(tc.set, func(t *testing.T) {
			c, err := checkSets(tc.set)
			if err != nil {
				t.Fatal(err)
			}
			err = c.checkTestSeries([]byte(tests), sels)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error\n  %v\nwant\n  %s", err, tc.want)
			}
		})
	}
}

// selectorExamples reads the examples of the selector rows of
// docs/pack.md's configuration table: the default and every `...` after.
func selectorExamples(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("../docs/pack.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	code := regexp.MustCompile("`((?:[^`\\\\]|\\\\.)*)`")
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.SplitN(sc.Text(), " | ", 2)
		if len(cells) != 2 {
			continue
		}
		key := strings.Trim(cells[0], "|` ")
		if !slices.Contains(selectorKeys, key) {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(cells[1], -1) {
			out[key] = append(out[key], strings.ReplaceAll(m[1], `\|`, "|"))
		}
	}
	for _, key := range selectorKeys {
		if len(out[key]) == 0 && key != namespaceSel {
			t.Fatalf("docs/pack.md: no examples for %s in the configuration table", key)
		}
	}
	if len(out[namespaceSel]) == 0 {
		t.Fatal("docs/pack.md: no examples for namespaceSelector in the configuration table")
	}
	return out
}

// TestSelectorsBuild builds the pack with every selector example of
// docs/pack.md (regexps, negative matchers, several labels, several
// matchers on one label); the pack's own tests must pass, on our engine
// (Build) and under promtool 3.16. Examples share builds, each costly:
// build i takes example i of each selector (the default when it has no
// more), the last build in multi-cluster mode.
func TestSelectorsBuild(t *testing.T) {
	slowUnderRace(t)
	examples := selectorExamples(t)
	n := 0
	for _, ex := range examples {
		n = max(n, len(ex))
	}
	for i := range n {
		var sets []string
		for _, key := range selectorKeys {
			if ex := examples[key]; len(ex) > 0 {
				sets = append(sets, key+"="+ex[min(i, len(ex)-1)])
			}
		}
		if i == n-1 {
			sets = append(sets, "showMultiCluster=true", "clusterLabel=k8s_cluster")
		}
		t.Run(fmt.Sprintf("docs example %d", i+1), func(t *testing.T) {
			t.Log(strings.Join(sets, "\n"))
			pack := mustBuild(t, sets)
			promtoolPasses(t, pack)
		})
	}
}

// TestMetricsPathWarning: a cAdvisor selector that would also select the
// kubelet's /metrics/resource gets a warning at its setting, one that keeps
// those series out does not.
func TestMetricsPathWarning(t *testing.T) {
	tests := []struct {
		set  string
		want string // "" for none
	}{
		{`cadvisorSelector=job="kubelet"`, `--set cadvisorSelector=job="kubelet": warning: cadvisorSelector has no metrics_path matcher: where its job also scrapes the kubelet's /metrics/resource, it selects container_cpu_usage_seconds_total, container_memory_working_set_bytes, container_start_time_seconds from there too`},
		{`cadvisorSelector=job="kubelet", metrics_path=~"/metrics/cadvisor|/metrics/resource"`, ""},
		{`cadvisorSelector=job="kubelet", image!=""`, ""},
		{`alerts.ContainerOOMKilled.for=1m`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.set, func(t *testing.T) {
			c, err := checkSets(tc.set)
			if err != nil {
				t.Fatal(err)
			}
			// The rules are evaluated only where a warning is due: without
			// them a warning would still come, saying the pack keeps the
			// series out.
			var sels []ruleSelector
			if tc.want != "" {
				if sels, err = c.ruleSelectors(); err != nil {
					t.Fatal(err)
				}
			}
			ws := c.warnings(sels)
			switch {
			case tc.want == "" && len(ws) > 0:
				t.Fatalf("unexpected warning %s", ws[0])
			case tc.want != "" && (len(ws) != 1 || !strings.HasPrefix(ws[0].String(), tc.want)):
				t.Fatalf("warnings %v, want one starting %q", ws, tc.want)
			}
		})
	}
}
