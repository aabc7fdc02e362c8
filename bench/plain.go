package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// plainRules is the number of recording rules (and as many alerts) of the
// plain suite.
const plainRules = 20

// plainKinds are the four shapes of the plain suite's rules, each a
// recording rule, an alert on it and the input that makes the alert fire:
// a request rate, an error ratio, a latency quantile of a classic
// histogram, and memory against a limit. %[1]d makes names unique. The
// inputs give exact values (rates of 1 and 0.1, a quantile of 0.1, ratios
// of 0.9 and 0.1), so that both tools can assert them.
var plainKinds = []struct {
	rules, series, record, samples, alert, alertLabels, annotation string
}{
	{
		rules: `      - record: job:plain_%[1]d_requests:rate5m
        expr: sum by (job, namespace) (rate(plain_%[1]d_requests_total[5m]))
      - alert: PlainHighRequestRate%[1]d
        expr: job:plain_%[1]d_requests:rate5m > 2
        for: 10m
        labels: {severity: warning}
        annotations:
          summary: '{{ $labels.job }} serves {{ $value | humanize }} requests a second.'
`,
		series: `      - series: 'plain_%[1]d_requests_total{job="api", namespace="ns", instance="a"}'
        values: '0+60x%[2]d'
      - series: 'plain_%[1]d_requests_total{job="api", namespace="ns", instance="b"}'
        values: '0+60x%[2]d'
      - series: 'plain_%[1]d_requests_total{job="api", namespace="ns", instance="c"}'
        values: '0+60x%[2]d'
`,
		record:      "job:plain_%[1]d_requests:rate5m",
		samples:     `[{labels: 'job:plain_%[1]d_requests:rate5m{job="api", namespace="ns"}', value: 3}]`,
		alert:       "PlainHighRequestRate%[1]d",
		alertLabels: `{job: api, namespace: ns, severity: warning}`,
		annotation:  `{summary: 'api serves 3 requests a second.'}`,
	},
	{
		rules: `      - record: job:plain_%[1]d_errors:ratio_rate5m
        expr: sum by (job) (rate(plain_%[1]d_errors_total[5m])) / sum by (job) (rate(plain_%[1]d_requests_total[5m]))
      - alert: PlainHighErrorRatio%[1]d
        expr: job:plain_%[1]d_errors:ratio_rate5m > 0.05
        for: 5m
        labels: {severity: critical}
        annotations:
          summary: '{{ $labels.job }} fails {{ $value | humanizePercentage }} of requests.'
`,
		series: `      - series: 'plain_%[1]d_errors_total{job="api", instance="a"}'
        values: '0+6x%[2]d'
      - series: 'plain_%[1]d_errors_total{job="api", instance="b"}'
        values: '0+6x%[2]d'
      - series: 'plain_%[1]d_requests_total{job="api", instance="a"}'
        values: '0+60x%[2]d'
      - series: 'plain_%[1]d_requests_total{job="api", instance="b"}'
        values: '0+60x%[2]d'
`,
		record:      "job:plain_%[1]d_errors:ratio_rate5m",
		samples:     `[{labels: 'job:plain_%[1]d_errors:ratio_rate5m{job="api"}', value: 0.1}]`,
		alert:       "PlainHighErrorRatio%[1]d",
		alertLabels: `{job: api, severity: critical}`,
		annotation:  `{summary: 'api fails 10% of requests.'}`,
	},
	{
		rules: `      - record: job:plain_%[1]d_duration_seconds:p50_rate5m
        expr: histogram_quantile(0.5, sum by (job, le) (rate(plain_%[1]d_duration_seconds_bucket[5m])))
      - alert: PlainSlowRequests%[1]d
        expr: job:plain_%[1]d_duration_seconds:p50_rate5m > 0.05
        for: 5m
        labels: {severity: warning}
        annotations:
          summary: 'Half of the requests of {{ $labels.job }} take over {{ $value | humanizeDuration }}.'
`,
		series: `      - series: 'plain_%[1]d_duration_seconds_bucket{job="api", le="0.1"}'
        values: '0+30x%[2]d'
      - series: 'plain_%[1]d_duration_seconds_bucket{job="api", le="0.5"}'
        values: '0+60x%[2]d'
      - series: 'plain_%[1]d_duration_seconds_bucket{job="api", le="+Inf"}'
        values: '0+60x%[2]d'
`,
		record:      "job:plain_%[1]d_duration_seconds:p50_rate5m",
		samples:     `[{labels: 'job:plain_%[1]d_duration_seconds:p50_rate5m{job="api"}', value: 0.1}]`,
		alert:       "PlainSlowRequests%[1]d",
		alertLabels: `{job: api, severity: warning}`,
		annotation:  `{summary: 'Half of the requests of api take over 100ms.'}`,
	},
	{
		rules: `      - record: namespace_pod:plain_%[1]d_memory:ratio
        expr: max by (namespace, pod) (plain_%[1]d_used_bytes) / on (namespace, pod) max by (namespace, pod) (plain_%[1]d_limit_bytes)
      - alert: PlainMemoryNearLimit%[1]d
        expr: namespace_pod:plain_%[1]d_memory:ratio > 0.8
        for: 15m
        labels: {severity: warning}
        annotations:
          summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its limit.'
`,
		series: `      - series: 'plain_%[1]d_used_bytes{namespace="ns", pod="p0"}'
        values: '900x%[2]d'
      - series: 'plain_%[1]d_limit_bytes{namespace="ns", pod="p0"}'
        values: '1000x%[2]d'
      - series: 'plain_%[1]d_used_bytes{namespace="ns", pod="p1"}'
        values: '100x%[2]d'
      - series: 'plain_%[1]d_limit_bytes{namespace="ns", pod="p1"}'
        values: '1000x%[2]d'
`,
		record: "namespace_pod:plain_%[1]d_memory:ratio",
		samples: `[{labels: 'namespace_pod:plain_%[1]d_memory:ratio{namespace="ns", pod="p0"}', value: 0.9},
                       {labels: 'namespace_pod:plain_%[1]d_memory:ratio{namespace="ns", pod="p1"}', value: 0.1}]`,
		alert:       "PlainMemoryNearLimit%[1]d",
		alertLabels: `{namespace: ns, pod: p0, severity: warning}`,
		annotation:  `{summary: 'Pod ns/p0 uses 90% of its limit.'}`,
	},
}

// writePlainSuite writes the plain suite: a rule file of plainRules
// recording rules and as many alerts, in one group each, and a test file of
// groups test groups over hours of one-minute input, group g feeding the
// input of rule g mod plainRules only and asserting that rule at the end
// and its alert before its for elapses and at the end. It returns the test
// file's name.
func writePlainSuite(dir string, groups, hours int) string {
	var r strings.Builder
	r.WriteString("groups:\n")
	for i := range plainRules {
		fmt.Fprintf(&r, "  - name: plain-%d\n    rules:\n", i)
		fmt.Fprintf(&r, plainKinds[i%len(plainKinds)].rules, i)
	}
	check(os.WriteFile(filepath.Join(dir, "plain.rules.yaml"), []byte(r.String()), 0o644))

	points := hours * 60
	end := fmt.Sprintf("%dh", hours)
	var b strings.Builder
	b.WriteString("rule_files: [plain.rules.yaml]\nevaluation_interval: 1m\ntests:\n")
	for g := range groups {
		i := g % plainRules
		k := plainKinds[i%len(plainKinds)]
		fmt.Fprintf(&b, "  - name: rule-%d/%d\n    interval: 1m\n    input_series:\n", i, g)
		fmt.Fprintf(&b, k.series, i, points)
		fmt.Fprintf(&b, "    promql_expr_test:\n      - expr: %s\n        eval_time: %s\n        exp_samples: %s\n",
			fmt.Sprintf(k.record, i), end, fmt.Sprintf(k.samples, i))
		alert := fmt.Sprintf(k.alert, i)
		fmt.Fprintf(&b, "    alert_rule_test:\n      - eval_time: 5m\n        alertname: %s\n", alert)
		fmt.Fprintf(&b, "      - eval_time: %s\n        alertname: %s\n        exp_alerts:\n          - exp_labels: %s\n            exp_annotations: %s\n",
			end, alert, k.alertLabels, k.annotation)
	}
	name := "plain_test.yml"
	check(os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644))
	return name
}
