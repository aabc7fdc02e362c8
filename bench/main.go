// Command bench times oomguard against its anchors on the same inputs, in
// one run, and prints one markdown table. make bench runs it.
//
//   - lint against `promtool check rules`, on generated rule sets of 100 to
//     100,000 rules shaped like kube-prometheus's (and lint alone on the
//     same rules as PrometheusRule manifests);
//   - `oomguard test` against `promtool test rules`, on unit-test suites of
//     1 to 100 test groups over 6 or 24 hours of one-minute data, and on the
//     plain suite (20 recording rules and 20 alerts, each group feeding one
//     rule's input and asserting that rule and its alert), with the verdict
//     of every test group compared from both tools' JUnit reports;
//   - `oomguard generate` of the pack, and `generate --mixin` of a large
//     synthetic mixin, against the jsonnet CLI evaluating the same mixin.
//
// Each tool runs several times on each input: the table has the minimum and
// median wall time and the largest peak resident memory.
package main

import (
	"bufio"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	promtool := flag.String("promtool", ".cache/bin/promtool", "promtool 3.16 binary")
	jsonnetBin := flag.String("jsonnet", ".cache/bin/jsonnet", "jsonnet CLI binary")
	oomguard := flag.String("oomguard", "bin/oomguard", "oomguard binary")
	runs := flag.Int("runs", 3, "runs of each tool on each input")
	only := flag.String("only", "lint,test,generate", "what to measure: lint, test, generate, comma-separated")
	ruleSizes := flag.String("rules", "100,1000,10000,100000", "rule-set sizes for lint, comma-separated")
	suites := flag.String("suites", "1x6h,20x6h,100x6h,1x24h,20x24h", "unit-test suites: GROUPSxHOURSh, comma-separated")
	plain := flag.String("plain", "20x6h,100x6h,20x24h,100x24h", "plain unit-test suites (one rule asserted per group): GROUPSxHOURSh, comma-separated")
	mixinRules := flag.Int("mixin-rules", 1000, "rules of the large synthetic mixin")
	keep := flag.String("keep", "", "write the inputs to `DIR` and keep them (for profiling a tool on them), instead of a temporary directory")
	flag.Parse()
	for _, p := range []*string{promtool, jsonnetBin, oomguard} {
		abs, err := filepath.Abs(*p)
		check(err)
		*p = abs
	}
	repo, err := os.Getwd()
	check(err)

	dir := *keep
	if dir == "" {
		dir, err = os.MkdirTemp("", "oomguard-bench-")
		check(err)
		defer os.RemoveAll(dir)
	} else {
		dir, err = filepath.Abs(dir)
		check(err)
		check(os.MkdirAll(dir, 0o755))
	}

	fmt.Printf("machine: %s\n\n", machine())
	fmt.Printf("| input | anchor | anchor min | anchor median | oomguard min | oomguard median | speedup (median) | anchor peak RSS | oomguard peak RSS | notes |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|---|\n")
	want := map[string]bool{}
	for _, w := range strings.Split(*only, ",") {
		want[w] = true
	}

	if want["lint"] {
		for _, spec := range strings.Split(*ruleSizes, ",") {
			var n int
			_, err := fmt.Sscanf(spec, "%d", &n)
			check(err)
			ruleFiles, manifests := writeRuleSet(dir, n)
			p := timeRuns(*runs, dir, *promtool, append([]string{"check", "rules"}, ruleFiles...)...)
			o := timeRuns(*runs, dir, *oomguard, append([]string{"lint", "--format", "json"}, ruleFiles...)...)
			row(fmt.Sprintf("lint: %d rules, %s", n, plural(len(ruleFiles), "rule file")), "promtool check rules", &p, o,
				fmt.Sprintf("%.0f µs a rule", float64(o.median.Microseconds())/float64(n)))
			m := timeRuns(*runs, dir, *oomguard, append([]string{"lint", "--format", "json"}, manifests...)...)
			row(fmt.Sprintf("lint: %d rules as PrometheusRules", n), "", nil, m,
				fmt.Sprintf("%.0f µs a rule; promtool cannot read PrometheusRule", float64(m.median.Microseconds())/float64(n)))
		}
	}

	if want["test"] {
		for _, spec := range strings.Split(*suites, ",") {
			var groups, hours int
			if _, err := fmt.Sscanf(spec, "%dx%dh", &groups, &hours); err != nil {
				check(fmt.Errorf("suite %q: want GROUPSxHOURSh", spec))
			}
			sdir := filepath.Join(dir, spec)
			check(os.MkdirAll(sdir, 0o755))
			testFile := writeSuite(sdir, groups, hours)
			pJunit := filepath.Join(sdir, "promtool.xml")
			oJunit := filepath.Join(sdir, "oomguard.xml")
			p := timeRuns(*runs, sdir, *promtool, "test", "rules", "--junit="+pJunit, testFile)
			o := timeRuns(*runs, sdir, *oomguard, "test", "--junit", oJunit, testFile)
			row(fmt.Sprintf("test: %s, %dh of 1m data", plural(groups, "group"), hours), "promtool test rules", &p, o,
				"verdicts "+sameVerdicts(pJunit, oJunit))
		}
		for _, spec := range strings.Split(*plain, ",") {
			var groups, hours int
			if _, err := fmt.Sscanf(spec, "%dx%dh", &groups, &hours); err != nil {
				check(fmt.Errorf("plain suite %q: want GROUPSxHOURSh", spec))
			}
			sdir := filepath.Join(dir, "plain-"+spec)
			check(os.MkdirAll(sdir, 0o755))
			testFile := writePlainSuite(sdir, groups, hours)
			pJunit := filepath.Join(sdir, "promtool.xml")
			oJunit := filepath.Join(sdir, "oomguard.xml")
			p := timeRuns(*runs, sdir, *promtool, "test", "rules", "--junit="+pJunit, testFile)
			o := timeRuns(*runs, sdir, *oomguard, "test", "--junit", oJunit, testFile)
			row(fmt.Sprintf("test, plain: %s, %dh of 1m data", plural(groups, "group"), hours), "promtool test rules", &p, o,
				"verdicts "+sameVerdicts(pJunit, oJunit))
		}
	}

	if want["generate"] {
		// The pack: the jsonnet CLI evaluates its rules and alerts; oomguard
		// generate evaluates them, loads and checks every rule, runs the
		// pack's unit tests and writes a PrometheusRule.
		eval := "local m = import 'mixin.libsonnet'; {rules: m.prometheusRules, alerts: m.prometheusAlerts}"
		p := timeRuns(*runs, filepath.Join(repo, "jsonnet"), *jsonnetBin, "-e", eval)
		o := timeRuns(*runs, dir, *oomguard, "generate")
		row("generate: the pack", "jsonnet CLI (evaluation only)", &p, o, "oomguard also loads every rule and runs the pack's unit tests")

		mixin := writeMixin(dir, *mixinRules)
		p = timeRuns(*runs, filepath.Dir(mixin), *jsonnetBin, "-e", eval)
		o = timeRuns(*runs, dir, *oomguard, "generate", "--mixin", mixin, "--name", "large")
		row(fmt.Sprintf("generate --mixin: %d rules", *mixinRules), "jsonnet CLI (evaluation only)", &p, o, "oomguard also loads and checks every rule")
	}
}

// row prints a table row; anchor is nil where oomguard has no anchor.
func row(input, anchorName string, anchor *timing, o timing, notes string) {
	if anchor == nil {
		fmt.Printf("| %s | - | - | - | %s | %s | - | - | %s | %s |\n", input, ms(o.min), ms(o.median), mib(o.rss), notes)
		return
	}
	fmt.Printf("| %s | %s | %s | %s | %s | %s | %.2fx | %s | %s | %s |\n", input, anchorName, ms(anchor.min), ms(anchor.median),
		ms(o.min), ms(o.median), float64(anchor.median)/float64(o.median), mib(anchor.rss), mib(o.rss), notes)
}

type timing struct {
	min, median time.Duration
	rss         int64 // KiB, the largest of the runs
}

func timeRuns(n int, dir, bin string, args ...string) timing {
	var ds []time.Duration
	var rss int64
	for range n {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		// Output goes to a file, not into this process: the kernel counts
		// a parent's peak memory into its later children's.
		f, err := os.CreateTemp("", "oomguard-bench-output-")
		check(err)
		outPath := f.Name()
		cmd.Stdout, cmd.Stderr = f, f
		start := time.Now()
		err = cmd.Run()
		d := time.Since(start)
		check(f.Close())
		out := tail(outPath)
		if cmd.ProcessState == nil {
			check(fmt.Errorf("%s: %v\n%s", bin, err, out))
		}
		if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 {
			check(fmt.Errorf("%s exited %d: %s", bin, code, out))
		}
		// A run that refused its input is no measurement.
		if len(args) > 0 && args[0] == "lint" && fileContains(outPath, "syntax/invalid") {
			check(fmt.Errorf("%s %s did not load its input: %s", bin, strings.Join(args, " "), out))
		}
		check(os.Remove(outPath))
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = max(rss, ru.Maxrss)
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return timing{min: ds[0], median: ds[len(ds)/2], rss: rss}
}

// sameVerdicts compares the pass or fail of every test case of two JUnit
// reports.
func sameVerdicts(a, b string) string {
	va, vb := verdicts(a), verdicts(b)
	if len(va) != len(vb) {
		return fmt.Sprintf("DIFFER (%d and %d test groups)", len(va), len(vb))
	}
	for k, v := range va {
		if vb[k] != v {
			return "DIFFER on " + k
		}
	}
	failed := 0
	for _, v := range va {
		if !v {
			failed++
		}
	}
	return fmt.Sprintf("same (%d groups, %d failing)", len(va), failed)
}

func verdicts(path string) map[string]bool {
	data, err := os.ReadFile(path)
	check(err)
	var doc struct {
		Suites []struct {
			Cases []struct {
				Name     string   `xml:"name,attr"`
				Failures []string `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	check(xml.Unmarshal(data, &doc))
	out := map[string]bool{}
	for i, s := range doc.Suites {
		for _, c := range s.Cases {
			out[fmt.Sprintf("%d/%s", i, c.Name)] = len(c.Failures) == 0
		}
	}
	return out
}

// fileContains reports whether a file holds s, reading it line by line.
func fileContains(path, s string) bool {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			return true
		}
	}
	check(sc.Err())
	return false
}

// tail returns the last 4 KiB of a file.
func tail(path string) string {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	fi, err := f.Stat()
	check(err)
	off := max(fi.Size()-4096, 0)
	buf := make([]byte, fi.Size()-off)
	_, err = f.ReadAt(buf, off)
	check(err)
	return string(buf)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }
func mib(kib int64) string      { return fmt.Sprintf("%.0f MiB", float64(kib)/1024) }

func machine() string {
	out, _ := exec.Command("uname", "-srm").Output()
	cpu := ""
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	n, _ := exec.Command("nproc").Output()
	return fmt.Sprintf("%s, %s, %s cores", strings.TrimSpace(string(out)), cpu, strings.TrimSpace(string(n)))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
}
