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
			var b strings.Builder
			b.WriteString(`{"groups":[{"name":"g","rules":[`)
			for i := range 20_000 {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"record":"r%d","expr":"sum by (job) (rate(x_total{job=\"a\"}[5m])) + bad(("}`, i)
			}
			b.WriteString("]}]}\n")
			write(t, dir, "line.json", b.String())
			return []string{"lint", "line.json"}
		},
		exit: 1, want: `(?s)line\.json:1:107: error: could not parse expression.*line\.json:1:1\d{6}: error: could not parse expression`,
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
		name: "generate --mixin: std.repeat of a large string",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "m/mixin.libsonnet", mixinOf("std.repeat('abcdefgh', 1000000000)"))
			// The memory limit, not the timeout, is what this row is
			// about: on a loaded machine 512 MiB can take over 30 s.
			return []string{"generate", "--mixin", "m/mixin.libsonnet", "--mixin-timeout", "10m"}
		},
		exit: 1, want: `m/mixin.libsonnet:1:1: error: jsonnet: evaluation used more than 512 MiB of memory: stopped`,
	},
	{
		name: "generate --mixin: a string doubled 40 times",
		setup: func(t *testing.T, dir string) []string {
			write(t, dir, "m/mixin.libsonnet", "local d(s, n) = if n == 0 then s else d(s + s, n - 1);\n"+mixinOf("d('a', 40)"))
			return []string{"generate", "--mixin", "m/mixin.libsonnet", "--mixin-memory", "256Mi"}
		},
		exit: 1, want: `jsonnet: evaluation used more than 256 MiB of memory: stopped`,
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
		exit: 1, want: `evaluation took longer than 1s: stopped`,
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
	return "groups:\n- name: g\n  rules:\n  - record: r\n    expr: |\n      " + expr + "\n"
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
		fmt.Fprintf(&b, `{"apiVersion":"monitoring.coreos.com/v1","kind":"PrometheusRule","metadata":{"name":"r%d","namespace":"ns"},"spec":{"groups":[{"name":"g","rules":[{"record":"r","expr":"up"}]}]}}`, i)
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
