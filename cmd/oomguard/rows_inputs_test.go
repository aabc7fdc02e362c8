package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// rows are the rows of the table in docs/robustness.md, in its order.
var rows = []row{
	{
		name: "lint: a rule file on one line, 20,000 rules that do not parse",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "line.json", longLineRules(20_000))
			return []string{"lint", "line.json"}
		},
		exit: 1, want: `(?s)line\.json:1:107: error: could not parse expression.*line\.json:1:1\d{6}: error: could not parse expression`,
	},
	{
		name: "lint: a List of 1,000 PrometheusRules, as kubectl get -o yaml writes it",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "all.yaml", blockList(1000, ""))
			return []string{"lint", "all.yaml"}
		},
		exit: 0, want: `^oomguard lint: \d+ files?, \d+ rules?: no findings\n$`,
	},
	{
		name: "lint: a List of 10,000 PrometheusRules",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "all.yaml", blockList(10_000, ""))
			return []string{"lint", "all.yaml"}
		},
		exit: 0, want: `^oomguard lint: \d+ files?, \d+ rules?: no findings\n$`, heavy: true,
	},
	{
		name: "lint: a compact List of 10,000 PrometheusRules on one line",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "all.json", compactList(10_000))
			return []string{"lint", "all.json"}
		},
		exit: 0, want: `^oomguard lint: \d+ files?, \d+ rules?: no findings\n$`,
	},
	{
		// 100,000 such items are 18.9 MB: over the file size limit.
		name: "lint: a compact List of 80,000 PrometheusRules on one line, 15 MB",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "all.json", compactList(80_000))
			return []string{"lint", "all.json"}
		},
		exit: 0, want: `^oomguard lint: \d+ files?, \d+ rules?: no findings\n$`, heavy: true,
	},
	{
		name: "lint: a List of 1,000 PrometheusRules, each rule with an unknown field",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "all.yaml", blockList(1000, "        severity: critical\n"))
			return []string{"lint", "all.yaml"}
		},
		exit: 1, want: `(?s)all\.yaml:18:9: error: unknown key "severity" in rule.*all\.yaml:24993:9: error: unknown key "severity" in rule`,
	},
	{
		name: "lint: a PrometheusRule of 20,000 rules, each with an unknown field",
		setup: func(t *testing.T, dir string) []string {
			var b strings.Builder
			b.WriteString("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: r\nspec:\n  groups:\n  - name: g\n    rules:\n")
			for i := range 20_000 {
				fmt.Fprintf(&b, "    - record: job:up:sum%d\n      expr: sum by (job) (up)\n      severity: critical\n", i)
			}
			write(t, dir, "unknown.yaml", b.String())
			return []string{"lint", "unknown.yaml"}
		},
		exit: 1, want: `(?s)unknown\.yaml:11:7: error: .*severity.*unknown\.yaml:60008:7: error: .*severity`, heavy: true,
	},
	{
		name: "lint: one expression a + a + ... of 50 KB",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "sum.yaml", ruleOf(strings.Repeat("a + ", 50_000/4)+"a"))
			return []string{"lint", "sum.yaml"}
		},
		exit: 1, want: `sum.yaml:6:1033: error: expression has more than 256 operators`,
	},
	{
		name: "lint: 100,000 nested parentheses",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "parens.yaml", ruleOf(strings.Repeat("(", 100_000)+"a"+strings.Repeat(")", 100_000)))
			return []string{"lint", "parens.yaml"}
		},
		exit: 1, want: `parens.yaml:6:135: error: expression nests more than 128 levels deep`,
	},
	{
		name: "lint: 100,000 unary minus signs",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "minus.yaml", ruleOf(strings.Repeat("-", 100_000)+"a"))
			return []string{"lint", "minus.yaml"}
		},
		exit: 1, want: `minus.yaml:6:263: error: expression has more than 256 operators`,
	},
	{
		name: "lint: 100,000 nested absent()",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "absent.yaml", ruleOf(strings.Repeat("absent(", 100_000)+"a"+strings.Repeat(")", 100_000)))
			return []string{"lint", "absent.yaml"}
		},
		exit: 1, want: `absent.yaml:6:909: error: expression nests more than 128 levels deep`,
	},
	{
		name: "lint: a selector of 1 MB of label matchers",
		setup: func(t *testing.T, dir string) []string {
			var b strings.Builder
			b.WriteString("x{")
			for i := 0; b.Len() < 1<<20; i++ {
				fmt.Fprintf(&b, "l%d=\"v\", ", i)
			}
			b.WriteString("job=\"a\"}")
			write(t, dir, "labels.yaml", ruleOf(b.String()))
			return []string{"lint", "labels.yaml"}
		},
		exit: 0, want: `^oomguard lint: \d+ files?, \d+ rules?: no findings\n$`,
	},
	{
		name: "lint: one rule joining 7 or-groups of 10 on a label",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "flow.yaml", ruleOf(orJoins(7, 10)))
			return []string{"lint", "flow.yaml"}
		},
		exit: 0, want: `^oomguard lint: \d+ files?, \d+ rules?: no findings\n$`,
	},
	{
		name: "lint: two rules of one name, regexps of 5,000 alternatives",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "dup.yaml", sameNamed(5000))
			return []string{"lint", "dup.yaml", "--format", "json"}
		},
		exit: 0, want: `not analysed, too complex`,
	},
	{
		name: "lint: two rules of one name, regexps of 10,000 alternatives",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "dup.yaml", sameNamed(10_000))
			return []string{"lint", "dup.yaml", "--format", "json"}
		},
		exit: 0, want: `not analysed, too complex`,
	},
	{
		name: "lint: a 1.5 MB PrometheusRule, an alias bomb of valid rules",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "bomb.yaml", aliasBomb(1_500_000, 0))
			return []string{"lint", "bomb.yaml"}
		},
		exit: 1, want: `bomb.yaml:\d+:\d+: error: yaml: aliases expand the document by more than \d+ nodes`,
	},
	{
		name: "lint: the alias bomb with 4 MB of comments",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "bomb.yaml", aliasBomb(1_500_000, 4_000_000))
			return []string{"lint", "bomb.yaml"}
		},
		exit: 1, want: `bomb.yaml:\d+:\d+: error: yaml: aliases expand the document by more than \d+ nodes`,
	},
	{
		name: "generate --set alerts.ContainerMemoryNearLimit.for=1d",
		setup: func(t *testing.T, dir string) []string {
			return []string{"generate", "--set", "alerts.ContainerMemoryNearLimit.for=1d"}
		},
		exit: 0, want: `(?m)^ +for: 1d$`,
	},
	{
		name: "generate --set alerts.ContainerMemoryNearLimit.for=30d",
		setup: func(t *testing.T, dir string) []string {
			return []string{"generate", "--set", "alerts.ContainerMemoryNearLimit.for=30d"}
		},
		exit: 0, want: `(?m)^ +for: 30d$`,
	},
	{
		name: "generate --set alerts.ContainerOOMKilledRepeatedly.window=7d",
		setup: func(t *testing.T, dir string) []string {
			return []string{"generate", "--set", "alerts.ContainerOOMKilledRepeatedly.window=7d"}
		},
		exit: 0, want: `\[7d\]`,
	},
	{
		name: "generate --set alerts.ContainerMemoryNearLimit.for=1y",
		setup: func(t *testing.T, dir string) []string {
			return []string{"generate", "--set", "alerts.ContainerMemoryNearLimit.for=1y"}
		},
		exit: 0, want: `(?m)^ +for: 1y$`,
	},
	{
		name: "generate --set alerts.ContainerMemoryNearLimit.for=10y",
		setup: func(t *testing.T, dir string) []string {
			return []string{"generate", "--set", "alerts.ContainerMemoryNearLimit.for=10y"}
		},
		exit: 0, want: `(?m)^ +for: 10y$`,
	},
	{
		name: "generate --set alerts.ContainerOOMKilledRepeatedly.window=10y",
		setup: func(t *testing.T, dir string) []string {
			return []string{"generate", "--set", "alerts.ContainerOOMKilledRepeatedly.window=10y"}
		},
		exit: 0, want: `\[10y\]`,
	},
	{
		// A rate checked along a for of a year: samples just before each
		// evaluation, blanks between them, which the runner does not hold.
		name: "generate --set alerts.ContainerMemoryLimitHits.for=1y",
		setup: func(t *testing.T, dir string) []string {
			return []string{"generate", "--set", "alerts.ContainerMemoryLimitHits.for=1y"}
		},
		exit: 0, want: `for: 1y`,
	},
	{
		// The kill scenarios after a for of ten years: the kill at once.
		name: "generate --set alerts.ContainerMemoryAtLimit.for=10y",
		setup: func(t *testing.T, dir string) []string {
			return []string{"generate", "--set", "alerts.ContainerMemoryAtLimit.for=10y"}
		},
		exit: 0, want: `for: 10y`,
	},
	{
		// A prediction over a window of an hour checked along a for of a
		// year needs evaluations closer than the window all along it:
		// refused at once, the test named.
		name: "generate --set alerts.ContainerMemoryLimitPredicted.for=1y",
		setup: func(t *testing.T, dir string) []string {
			return []string{"generate", "--set", "alerts.ContainerMemoryLimitPredicted.for=1y", "--set", "alerts.ContainerMemoryLimitPredicted.horizon=2y"}
		},
		exit: 2, want: `^oomguard: the pack's test "[^"]+" \(ContainerMemoryLimitPredicted\) cannot run with these durations: .*make the for shorter or the window longer\n$`,
	},
	{
		name: "generate --mixin: std.repeat of a large string",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "m/mixin.libsonnet", mixinOf("std.repeat('abcdefgh', 1000000000)"))
			// The memory limit, not the timeout, is what this row is
			// about: on a loaded machine 512 MiB can take over 30 s.
			return []string{"generate", "--mixin", "m/mixin.libsonnet", "--mixin-timeout", "10m"}
		},
		exit: 1, want: `m/mixin.libsonnet:1:1: error: jsonnet: evaluation used more than 512 MiB of memory: stopped \(--mixin-memory raises it\)`,
	},
	{
		name: "generate --mixin: a string doubled 40 times",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "m/mixin.libsonnet", "local d(s, n) = if n == 0 then s else d(s + s, n - 1);\n"+mixinOf("d('a', 40)"))
			return []string{"generate", "--mixin", "m/mixin.libsonnet", "--mixin-memory", "256Mi"}
		},
		exit: 1, want: `jsonnet: evaluation used more than 256 MiB of memory: stopped \(--mixin-memory raises it\)`,
	},
	{
		name: "generate --mixin: an endless tail recursion",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "m/mixin.libsonnet", "local f(n) = f(n + 1) tailstrict;\n"+mixinOf("std.toString(f(0))"))
			return []string{"generate", "--mixin", "m/mixin.libsonnet"}
		},
		exit: 1, want: `m/mixin.libsonnet:1:14: error: jsonnet: max stack frames exceeded\.`,
	},
	{
		name: "lint --mixin-timeout 1s: a mixin that runs for hours",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "m/mixin.libsonnet", "local slow(n) = if n == 0 then 1 else slow(n - 1) + slow(n - 1);\n"+mixinOf("std.toString(slow(60))"))
			return []string{"lint", "--mixin-timeout", "1s", "m/mixin.libsonnet"}
		},
		exit: 1, want: `evaluation took longer than 1s: stopped \(--mixin-timeout raises it\)`,
	},
	{
		name: "generate -o /dev/zero --check",
		setup: func(t *testing.T, dir string) []string {
			return []string{"generate", "-o", "/dev/zero", "--check"}
		},
		exit: 2, want: `cannot read /dev/zero: a character device, not a regular file`,
	},
	{
		name: "generate with .oomguard.yaml a link to /dev/zero",
		setup: func(t *testing.T, dir string) []string {
			symlink(t, "/dev/zero", filepath.Join(dir, ".oomguard.yaml"))
			return []string{"generate"}
		},
		exit: 2, want: `\.oomguard\.yaml: a character device, not a regular file`,
	},
	{
		name: "lint --config /dev/zero",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "rules.yaml", ruleOf("up"))
			return []string{"lint", "--config", "/dev/zero", "rules.yaml"}
		},
		exit: 2, want: `/dev/zero: a character device, not a regular file`,
	},
	{
		name: "lint --baseline /dev/zero",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "rules.yaml", ruleOf("up"))
			return []string{"lint", "--baseline", "/dev/zero", "rules.yaml"}
		},
		exit: 2, want: `/dev/zero: a character device, not a regular file`,
	},
	{
		name: "a FIFO as a rule file",
		setup: func(t *testing.T, dir string) []string {
			mkfifo(t, filepath.Join(dir, "rules.yaml"))
			return []string{"lint", "rules.yaml"}
		},
		exit: 2, want: `cannot read rules.yaml: a FIFO, not a regular file`,
	},
	{
		name: "a FIFO as a config",
		setup: func(t *testing.T, dir string) []string {
			mkfifo(t, filepath.Join(dir, "config.yaml"))
			return []string{"generate", "--config", "config.yaml"}
		},
		exit: 2, want: `config.yaml: a FIFO, not a regular file`,
	},
	{
		name: "a FIFO as a baseline",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "rules.yaml", ruleOf("up"))
			mkfifo(t, filepath.Join(dir, "baseline.json"))
			return []string{"lint", "--baseline", "baseline.json", "rules.yaml"}
		},
		exit: 2, want: `baseline.json: a FIFO, not a regular file`,
	},
	{
		name: "a FIFO as a jsonnet import",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "m/mixin.libsonnet", "import 'pipe.libsonnet'\n")
			mkfifo(t, filepath.Join(dir, "m/pipe.libsonnet"))
			return []string{"generate", "--mixin", "m/mixin.libsonnet"}
		},
		exit: 1, want: `pipe.libsonnet: a FIFO, not a regular file`,
	},
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := syscall.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}

// ruleOf is a rule file of one recording rule of expression expr.
func ruleOf(expr string) string {
	return "groups:\n- name: g\n  rules:\n  - record: level:r:sum\n    expr: |\n      " + expr + "\n"
}

// mixinOf is a mixin of one recording rule whose expression is the jsonnet
// expr.
func mixinOf(expr string) string {
	return "{ prometheusRules: { groups: [{ name: 'g', rules: [{ record: 'r', expr: " + expr + " }] }] } }\n"
}

// compactList is n PrometheusRules in a List, as JSON on one line.
func compactList(n int) string {
	var b strings.Builder
	b.WriteString(`{"apiVersion":"v1","kind":"List","items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"apiVersion":"monitoring.coreos.com/v1","kind":"PrometheusRule","metadata":{"name":"r%d"},"spec":{"groups":[{"name":"g","rules":[{"record":"job:up%d:sum","expr":"sum by (job) (up)"}]}]}}`, i, i)
	}
	b.WriteString("]}\n")
	return b.String()
}

// aliasBomb is a PrometheusRule of about size bytes whose groups, each of
// its own name, all hold one anchored list of a thousand valid rules: a
// document of millions of valid rules once expanded. comments bytes of
// comment lines come first.
func aliasBomb(size, comments int) string {
	var b strings.Builder
	for b.Len() < comments {
		b.WriteString("# " + strings.Repeat("padding ", 12) + "\n")
	}
	b.WriteString("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: bomb\nspec:\n  groups:\n")
	b.WriteString("  - name: g0\n    rules: &rules\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "      - {record: \"job:up:sum%d\", expr: \"sum by (job) (up)\"}\n", i)
	}
	for i := 1; b.Len() < comments+size; i++ {
		fmt.Fprintf(&b, "  - {name: g%d, rules: *rules}\n", i)
	}
	return b.String()
}

// blockList is n PrometheusRules in a List, as kubectl get -o yaml writes
// them, each of three rules; extra is added to each rule.
func blockList(n int, extra string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nitems:\n")
	for i := range n {
		fmt.Fprintf(&b, `- apiVersion: monitoring.coreos.com/v1
  kind: PrometheusRule
  metadata:
    labels:
      app.kubernetes.io/name: app%d
    name: rules-%d
    namespace: ns%d
    resourceVersion: "%d"
    uid: 5b0c8f3e-0000-4000-8000-%012d
  spec:
    groups:
    - name: app%d.rules
      rules:
      - expr: sum by (namespace, job) (rate(http_requests_total{namespace="ns%d"}[5m]))
        record: namespace_job:http_requests:rate5m
%s      - alert: App%dDown
        expr: up{namespace="ns%d"} == 0
        for: 10m
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.job }} is down"
          description: "{{ $labels.instance }} of {{ $labels.job }} has been down for 10 minutes."
          runbook_url: https://runbooks.example.com/app-down
`, i, i, i, 1000+i, i, i, i, extra, i, i)
	}
	b.WriteString("kind: List\nmetadata:\n  resourceVersion: \"\"\n")
	return b.String()
}

// orJoins is groups or-chains of n selectors, each pinning label l to its
// own value, joined one to one on l: n^groups alternatives for l.
func orJoins(groups, n int) string {
	parts := make([]string, groups)
	for g := range groups {
		alts := make([]string, n)
		for i := range n {
			alts[i] = fmt.Sprintf("m%d{l=\"v%d\"}", g, i)
		}
		parts[g] = "(" + strings.Join(alts, " or ") + ")"
	}
	return strings.Join(parts, " * on (l) ")
}

// sameNamed is two recording rules of one name whose selectors pin a
// label to regexps of n alternatives each, .*a0|.*a1|... and
// .*b0|.*b1|...: telling them apart takes the product of their automata,
// n x n states from the start.
func sameNamed(n int) string {
	alt := func(prefix string) string {
		vs := make([]string, n)
		for i := range n {
			vs[i] = fmt.Sprintf(".*%s%d", prefix, i)
		}
		return strings.Join(vs, "|")
	}
	return "groups:\n- name: g\n  rules:\n" +
		"  - record: job:x:sum\n    expr: sum by (job) (x{job=~\"" + alt("a") + "\"})\n" +
		"  - record: job:x:sum\n    expr: sum by (job) (x{job=~\"" + alt("b") + "\"})\n"
}
