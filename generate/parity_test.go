package generate

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/oomguard/oomguard/jsonnet"
	"github.com/oomguard/oomguard/rules"
)

// kubePrometheusWrapper imports the mixin as kube-prometheus does and
// wraps its rules and alerts into a PrometheusRule.
const kubePrometheusWrapper = `
local mixin = (import 'mixin.libsonnet') + {
  _config+:: { showMultiCluster: true, alerts+: { ContainerMemoryNearLimit+: { threshold: 0.85 } } },
};
{
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'oomguard-container-resources', namespace: 'monitoring', labels: { prometheus: 'k8s', role: 'alert-rules' } },
  spec: { groups: mixin.prometheusRules.groups + mixin.prometheusAlerts.groups },
}
`

// TestJsonnetCLIParity exports the mixin, evaluates it with the jsonnet
// CLI the way kube-prometheus builds do, and requires the same rules as
// generate with the same configuration.
func TestJsonnetCLIParity(t *testing.T) {
	slowUnderRace(t)
	bin := os.Getenv("OOMGUARD_JSONNET")
	if bin == "" {
		bin = "../.cache/bin/jsonnet"
	}
	bin, _ = filepath.Abs(bin)
	if _, err := os.Stat(bin); err != nil {
		t.Skip("jsonnet CLI not built: run make tools (make test does)")
	}
	dir := t.TempDir()
	if _, err := jsonnet.Export(filepath.Join(dir, "vendor"), func(p string, data []byte) error {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "prometheusrule.jsonnet"), []byte(kubePrometheusWrapper), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-J", filepath.Join(dir, "vendor"), filepath.Join(dir, "prometheusrule.jsonnet")).CombinedOutput()
	if err != nil {
		t.Fatalf("jsonnet: %v\n%s", err, out)
	}
	viaCLI, errs := rules.Parse("jsonnet-cli.json", out, rules.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}

	pack, err := Build(overridesOf(t, []string{"showMultiCluster=true", "alerts.ContainerMemoryNearLimit.threshold=0.85"}))
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := rules.WriteRuleFile(&a, viaCLI.Groups(), rules.WriteOptions{Encoding: rules.YAML}); err != nil {
		t.Fatal(err)
	}
	if err := rules.WriteRuleFile(&b, pack.Groups, rules.WriteOptions{Encoding: rules.YAML}); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("the jsonnet CLI and generate disagree:\n--- jsonnet CLI\n%s\n--- generate\n%s", a.String(), b.String())
	}
	if len(viaCLI.Groups()) < 4 || bytes.Count(a.Bytes(), []byte("alert:")) != 19 {
		t.Errorf("unexpected pack: %d groups", len(viaCLI.Groups()))
	}
}
