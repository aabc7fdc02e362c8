package ruletest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkRun runs a suite of test groups, each with six hours of
// one-minute input, against the example rule file.
func BenchmarkRun(b *testing.B) {
	dir := b.TempDir()
	rules, err := os.ReadFile("../examples/container-memory.rules.yaml")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), rules, 0o644); err != nil {
		b.Fatal(err)
	}
	var s strings.Builder
	s.WriteString("rule_files: [rules.yaml]\ntests:\n")
	for g := range 4 {
		fmt.Fprintf(&s, "  - name: g%d\n    input_series:\n", g)
		for c := range 5 {
			l := fmt.Sprintf(`namespace="ns", pod="p%d", container="c"`, c)
			fmt.Fprintf(&s, "      - series: 'container_memory_working_set_bytes{job=\"kubelet\", metrics_path=\"/metrics/cadvisor\", image=\"i\", %s}'\n        values: '500+1x360'\n", l)
			fmt.Fprintf(&s, "      - series: 'kube_pod_container_resource_limits{job=\"kube-state-metrics\", resource=\"memory\", %s}'\n        values: '1000x360'\n", l)
		}
		s.WriteString("    alert_rule_test:\n      - eval_time: 6h\n        alertname: ContainerOOMKilled\n")
	}
	test := filepath.Join(dir, "suite_test.yml")
	if err := os.WriteFile(test, []byte(s.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r, err := Run([]string{test}, Options{Jobs: 1})
		if err != nil || r.Failed() {
			b.Fatalf("run failed: %v", err)
		}
	}
}

// BenchmarkRealWorld runs the unit tests of public rule sets as they are
// vendored (testdata/realworld): the profile of `oomguard test` on suites
// written elsewhere (docs/benchmarks.md).
func BenchmarkRealWorld(b *testing.B) {
	for _, set := range []string{"kubernetes-mixin", "openshift-cmo", "etcd-mixin"} {
		b.Run(set, func(b *testing.B) {
			var files []string
			root := filepath.Join("../testdata/realworld", set)
			err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
					return err
				}
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				if strings.HasPrefix(string(data), "rule_files:") || strings.Contains(string(data), "\nrule_files:") {
					files = append(files, p)
				}
				return nil
			})
			if err != nil || len(files) == 0 {
				b.Fatalf("no test files under %s: %v", root, err)
			}
			for b.Loop() {
				if _, err := Run(files, Options{Compat: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
