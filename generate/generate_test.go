package generate

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v4"

	"github.com/oomguard/oomguard/internal/crd"
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/rules"
	"github.com/oomguard/oomguard/ruletest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// configs are the configurations the golden files and the promtool checks
// cover: the defaults, multi-cluster, RSS as the memory metric (with the
// limit from cAdvisor and a longer rate window), selectors with regular
// expressions and negative matchers, thresholds and durations tuned, and
// durations long enough to put tests at coarser steps.
var configs = []struct {
	name string
	sets []string
}{
	{"default", nil},
	{"multicluster", []string{
		"showMultiCluster=true", "clusterLabel=k8s_cluster", "extraLabels.team=platform",
		"namespaceSelector=namespace!~\"kube-.*\"", "testLabels.namespace=apps",
	}},
	{"rss", []string{"memoryMetric=rss", "memoryLimitSource=cadvisor", "rateWindow=10m"}},
	{"regexp", []string{
		"cadvisorSelector=job=~\"kubelet|cadvisor\", metrics_path=\"/metrics/cadvisor\"",
		"kubeStateMetricsSelector=job=~\"kube-state-metrics.*\", namespace!=\"kube-system\"",
		"namespaceSelector=namespace=~\"prod-.*\"",
		"testLabels.namespace=prod-shop", "testLabels.cadvisor.job=kubelet", "testLabels.cadvisor.metrics_path=/metrics/cadvisor",
		"testLabels.kubeStateMetrics.job=kube-state-metrics",
	}},
	{"tuned", []string{
		"cadvisorSelector=job=\"cadvisor\"", "kubeStateMetricsSelector=job=~\"ksm|kube-state-metrics\"",
		"testLabels.kubeStateMetrics.job=ksm",
		"alerts.ContainerMemoryNearLimit.threshold=0.85", "alerts.ContainerMemoryAtLimit.for=10m",
		"alerts.ContainerCPUThrottlingHigh.threshold=0.1", "alerts.ContainerCPUThrottlingHigh.severity=warning",
		"alerts.ContainerOOMKilledRepeatedly.threshold=5", "alerts.ContainerOOMKilledRepeatedly.window=2h",
		"alerts.ContainerMemoryLimitHits.threshold=0.05", "alerts.ContainerWithoutMemoryLimit.enabled=false",
		"runbookURLPattern=https://runbooks.example.com/%s",
	}},
	{"long", []string{"alerts.ContainerMemoryNearLimit.for=30d", "alerts.ContainerOOMKilledRepeatedly.window=7d"}},
}

func overridesOf(t *testing.T, sets []string) Overrides {
	t.Helper()
	var o Overrides
	for _, s := range sets {
		if err := o.Set(s); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// promtool returns the reference promtool that make test builds.
func promtool(t *testing.T) string {
	t.Helper()
	p := os.Getenv("OOMGUARD_PROMTOOL")
	if p == "" {
		p = "../.cache/bin/promtool"
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Skip("promtool not built: run make tools (make test does)")
	}
	return abs
}

// TestPack builds the pack in each configuration (its own tests pass on
// the engine, or Build fails), renders every format and encoding against
// golden files, twice for byte-identical output, validates the
// PrometheusRule against the CRD, and runs promtool check rules and
// promtool test rules on the rule file and the tests.
func TestPack(t *testing.T) {
	for _, tc := range configs {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name != "default" {
				slowUnderRace(t)
			}
			pack := mustBuild(t, tc.sets)
			for _, format := range []string{FormatPrometheusRule, FormatRules} {
				for _, enc := range []rules.Encoding{rules.YAML, rules.JSON} {
					out, err := Render(pack.Groups, format, enc, DefaultMeta())
					if err != nil {
						t.Fatal(err)
					}
					again, _ := Render(pack.Groups, format, enc, DefaultMeta())
					if !bytes.Equal(out, again) {
						t.Errorf("%s %s: two renders differ", format, enc)
					}
					golden(t, filepath.Join("testdata", tc.name+"."+format+"."+string(enc)), out)
					if format == FormatPrometheusRule {
						res, err := crd.ValidatePrometheusRule(out)
						if err != nil || len(res.Errors) > 0 || len(res.StrictErrors) > 0 {
							t.Errorf("%s: the CRD refuses the PrometheusRule: %v %v %v", enc, err, res.Errors, res.StrictErrors)
						}
					}
				}
			}

			// The pack lints clean with every check.
			if ds := lint.Run([]*rules.File{mustParse(t, pack.Groups)}, nil, checks.All(), nil); len(ds) > 0 {
				t.Errorf("the pack does not lint clean:\n%v", ds)
			}

			promtoolPasses(t, pack)
			sameBothWays(t, pack)
		})
	}
}

// sameBothWays runs the pack's tests, as written with --tests, the fast
// way and with --exhaustive (every rule at every step, as promtool): the
// reports must be the same, and pass.
func sameBothWays(t *testing.T, pack *Pack) {
	t.Helper()
	dir := t.TempDir()
	ruleFile, _ := Render(pack.Groups, FormatRules, rules.YAML, DefaultMeta())
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), ruleFile, 0o644); err != nil {
		t.Fatal(err)
	}
	var testFiles []string
	for _, f := range pack.Tests {
		name := filepath.Join(dir, f.Name)
		if err := os.WriteFile(name, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		testFiles = append(testFiles, name)
	}
	var reports [2]bytes.Buffer
	for i, exhaustive := range []bool{false, true} {
		r, err := ruletest.Run(testFiles, ruletest.Options{Exhaustive: exhaustive})
		if err != nil {
			t.Fatal(err)
		}
		if r.Failed() {
			t.Errorf("exhaustive=%v: the pack's tests fail", exhaustive)
		}
		if err := ruletest.WriteText(&reports[i], r, false); err != nil {
			t.Fatal(err)
		}
	}
	if reports[0].String() != reports[1].String() {
		t.Errorf("the pack's tests differ with --exhaustive:\n%s\n---\n%s", reports[0].String(), reports[1].String())
	}
}

// mustBuild builds the pack with --set arguments; its own tests must pass.
func mustBuild(t *testing.T, sets []string) *Pack {
	t.Helper()
	pack, err := Build(overridesOf(t, sets))
	if err != nil {
		var ie *InvalidError
		if asInvalid(err, &ie) && ie.Report != nil {
			var b bytes.Buffer
			_ = writeReport(&b, ie)
			t.Fatalf("%v\n%s", err, b.String())
		}
		t.Fatal(err)
	}
	if passed, failed := pack.Report.Counts(); failed > 0 || passed < 40 {
		t.Fatalf("pack tests: %d passed, %d failed", passed, failed)
	}
	return pack
}

// promtoolPasses runs promtool check rules on the pack's rule file and
// promtool test rules on its tests, as written with --tests.
func promtoolPasses(t *testing.T, pack *Pack) {
	t.Helper()
	bin := promtool(t)
	dir := t.TempDir()
	ruleFile, _ := Render(pack.Groups, FormatRules, rules.YAML, DefaultMeta())
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), ruleFile, 0o644); err != nil {
		t.Fatal(err)
	}
	testArgs := []string{"test", "rules"}
	for _, f := range pack.Tests {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		testArgs = append(testArgs, f.Name)
	}
	for _, args := range [][]string{{"check", "rules", "rules.yaml"}, testArgs} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestInvalidPackIsRefused gives the pack, past Check, a selector that
// breaks every expression: Build must refuse it with positioned errors.
func TestInvalidPackIsRefused(t *testing.T) {
	slowUnderRace(t)
	c := &Config{overrides: map[string]any{"cadvisorSelector": `job="kubelet`}}
	_, err := c.Build()
	var ie *InvalidError
	if !asInvalid(err, &ie) || len(ie.Errors) == 0 {
		t.Fatalf("got %v, want the rules refused", err)
	}
	for _, e := range ie.Errors {
		if !e.Pos.IsValid() || !strings.Contains(e.Msg, "could not parse expression") {
			t.Errorf("unexpected error %v", e)
		}
	}
}

// TestConfigErrors checks bad config files: one message at the line and
// column of the key or value.
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "generate:\n  showMulticluster: true\n", "cfg.yaml:2:3: unknown key showMulticluster"},
		{"wrong type", "generate:\n  alerts:\n    ContainerMemoryNearLimit:\n      threshold: high\n", `cfg.yaml:4:18: alerts.ContainerMemoryNearLimit.threshold must be a number, not "high"`},
		{"unknown alert", "generate:\n  alerts:\n    ContainerMemoryNear: {threshold: 1}\n", "cfg.yaml:3:5: unknown key alerts.ContainerMemoryNear"},
		{"not a mapping", "generate: [1]\n", "cfg.yaml:1:11: the generate section must be a mapping"},
		// Values, checked against the pack's schema, whatever their YAML style.
		{"threshold", "generate:\n  alerts:\n    ContainerMemoryNearLimit:\n      threshold: 1.5\n",
			"cfg.yaml:4:18: alerts.ContainerMemoryNearLimit.threshold must be above 0 and below 1"},
		{"flow mapping", "generate:\n  alerts: {ContainerOOMKilled: {window: 10}}\n",
			"cfg.yaml:2:41: alerts.ContainerOOMKilled.window must be a Prometheus duration"},
		{"quoted selector", "generate:\n  namespaceSelector: 'namespace=~\"prod-(\"'\n",
			"cfg.yaml:2:22: namespaceSelector \"namespace=~\\\"prod-(\\\"\" is not a selector: error parsing regexp"},
		{"block selector", "generate:\n  cadvisorSelector: >-\n    job=\"kubelet\",\n    metrics_path=\"/metrics/cadvisor\",\n",
			"cfg.yaml:2:21: cadvisorSelector \"job=\\\"kubelet\\\", metrics_path=\\\"/metrics/cadvisor\\\",\" ends with a comma"},
		{"severity", "generate:\n  alerts:\n    ContainerOOMKilled:\n      severity: page\n",
			`cfg.yaml:4:17: alerts.ContainerOOMKilled.severity must be info, warning or critical, not "page"`},
		{"set twice", "generate:\n  rateWindow: 5m\n  rateWindow: 10m\n", "cfg.yaml:3:3: rateWindow is set twice"},
		{"list", "generate:\n  extraLabels: [a]\n", "cfg.yaml:2:16: extraLabels must be a mapping of label names to values"},
		{"contradiction", "generate:\n  namespaceSelector: namespace=\"a\", namespace=\"b\"\n",
			`cfg.yaml:2:22: namespaceSelector: no series has namespace="a", which namespace="a" asks for and namespace="b" refuses`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := decodeSection(t, tc.yaml)
			if err == nil {
				_, err = Check(o.Settings)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	// Open maps take any key, as strings.
	o, err := decodeSection(t, "generate:\n  extraLabels: {team: platform}\n")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Check(o.Settings)
	if err != nil || c.overrides["extraLabels"].(map[string]any)["team"] != "platform" {
		t.Fatalf("extraLabels: %v %v", c, err)
	}
}

// decodeSection reads the generate section of a config file named
// cfg.yaml whose text is src, as package config does.
func decodeSection(t *testing.T, src string) (Overrides, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	if len(root.Content) != 2 || root.Content[0].Value != "generate" {
		t.Fatalf("want a file of one generate section, not %q", src)
	}
	return DecodeSection("cfg.yaml", root.Content[1])
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking the change)", path)
	}
}

// mustParse writes groups as a rule file and loads it back, with positions.
func mustParse(t *testing.T, groups []*rules.Group) *rules.File {
	t.Helper()
	var b bytes.Buffer
	if err := rules.WriteRuleFile(&b, groups, rules.WriteOptions{Encoding: rules.YAML}); err != nil {
		t.Fatal(err)
	}
	f, errs := rules.Parse("pack.yaml", b.Bytes(), rules.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return f
}
