// Command bench times oomguard against its anchors on the same inputs, in
// one run, and prints one markdown table. make bench runs it.
//
//   - lint against `promtool check rules`, on generated rule sets of 100 to
//     100,000 rules shaped like kube-prometheus's (and lint alone on the
//     same rules as PrometheusRule manifests);
//   - `oomguard test --compat` against `promtool test rules`, on the unit
//     tests of public mixins (testdata/realworld), on unit-test suites of 1
//     to 100 test groups over 6 or 24 hours of one-minute data shaped like
//     the pack's, and on the plain suite (20 recording rules and 20 alerts,
//     each group feeding one rule's input and asserting that rule and its
//     alert), with the verdict of every test group compared from both
//     tools' JUnit reports;
//   - `oomguard generate` of the pack, and `generate --mixin` of a large
//     synthetic mixin, against the jsonnet CLI evaluating the same mixin.
//
// The two tools of a row run in pairs, one after the other, their order
// alternating from pair to pair, so that both meet the same load. A row
// gives the median wall time and the median CPU time (user and system) of
// each, the median of the ratios of the pairs, the largest peak resident
// memory, and the machine's mean load average over the row: the machine is
// shared, and CPU time is what a second core does not hide.
package main

import (
	"bufio"
	"encoding/xml"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	promtool := flag.String("promtool", ".cache/bin/promtool", "promtool 3.16 binary")
	jsonnetBin := flag.String("jsonnet", ".cache/bin/jsonnet", "jsonnet CLI binary")
	oomguard := flag.String("oomguard", "bin/oomguard", "oomguard binary")
	runs := flag.Int("runs", 5, "pairs of runs of the two tools on each input")
	only := flag.String("only", "lint,test,generate", "what to measure: lint, test, generate, comma-separated")
	ruleSizes := flag.String("rules", "100,1000,10000,100000", "rule-set sizes for lint, comma-separated")
	realworld := flag.String("realworld", "testdata/realworld", "`DIR` of the public rule sets; every set with unit tests is a suite (empty: none)")
	sets := flag.String("sets", "", "of the public rule sets, only these (names of their directories, comma-separated; empty: every one)")
	suites := flag.String("suites", "1x6h,20x6h,100x6h,1x24h,20x24h", "unit-test suites shaped like the pack's: GROUPSxHOURSh, comma-separated")
	plain := flag.String("plain", "20x6h,100x6h,20x24h,100x24h", "plain unit-test suites (one rule asserted per group): GROUPSxHOURSh, comma-separated")
	mixinRules := flag.Int("mixin-rules", 1000, "rules of the large synthetic mixin")
	keep := flag.String("keep", "", "write the inputs to `DIR` and keep them (for profiling a tool on them), instead of a temporary directory")
	writeOnly := flag.Bool("write-only", false, "with -keep, write the inputs and run nothing")
	flag.Parse()
	if *runs < 1 {
		check(fmt.Errorf("-runs %d: at least one", *runs))
	}
	for _, p := range []*string{promtool, jsonnetBin, oomguard} {
		abs, err := filepath.Abs(*p)
		check(err)
		*p = abs
	}
	repo, err := os.Getwd()
	check(err)

	dir := *keep
	if dir == "" {
		if *writeOnly {
			check(fmt.Errorf("-write-only needs -keep DIR"))
		}
		dir, err = os.MkdirTemp("", "oomguard-bench-")
		check(err)
		defer os.RemoveAll(dir)
	} else {
		dir, err = filepath.Abs(dir)
		check(err)
		check(os.MkdirAll(dir, 0o755))
	}
	b := &bench{runs: *runs, writeOnly: *writeOnly}

	if !b.writeOnly {
		fmt.Printf("machine: %s\n\n", machine())
		fmt.Printf("| input | anchor | anchor wall | oomguard wall | wall ratio | anchor CPU | oomguard CPU | CPU ratio | anchor peak RSS | oomguard peak RSS | load | notes |\n")
		fmt.Printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	}
	want := map[string]bool{}
	for _, w := range strings.Split(*only, ",") {
		want[w] = true
	}

	if want["lint"] {
		for _, spec := range list(*ruleSizes) {
			n, err := strconv.Atoi(spec)
			check(err)
			ruleFiles, manifests := writeRuleSet(dir, n)
			p, o := b.pair(command{dir: dir, bin: *promtool, args: append([]string{"check", "rules"}, ruleFiles...)},
				command{dir: dir, bin: *oomguard, args: append([]string{"lint", "--format", "json"}, ruleFiles...)})
			b.row(fmt.Sprintf("lint: %d rules, %s", n, plural(len(ruleFiles), "rule file")), "promtool check rules", p, o,
				fmt.Sprintf("%.0f µs a rule", float64(o.wall().Microseconds())/float64(n)))
			_, m := b.pair(command{}, command{dir: dir, bin: *oomguard, args: append([]string{"lint", "--format", "json"}, manifests...)})
			b.row(fmt.Sprintf("lint: %d rules as PrometheusRules", n), "", nil, m,
				fmt.Sprintf("%.0f µs a rule; promtool cannot read PrometheusRule", float64(m.wall().Microseconds())/float64(n)))
		}
	}

	if want["test"] {
		if *realworld != "" {
			pick := list(*sets)
			for _, s := range realworldSuites(filepath.Join(repo, *realworld)) {
				if len(pick) > 0 && !slices.Contains(pick, filepath.Base(s.dir)) {
					continue
				}
				b.testRow(dir, s.name, s.dir, s.files, *promtool, *oomguard)
			}
		}
		for _, spec := range list(*suites) {
			groups, hours := suiteSpec(spec)
			sdir := filepath.Join(dir, spec)
			check(os.MkdirAll(sdir, 0o755))
			testFile := writeSuite(sdir, groups, hours)
			b.testRow(dir, fmt.Sprintf("test: %s, %dh of 1m data", plural(groups, "group"), hours), sdir, []string{testFile}, *promtool, *oomguard)
		}
		for _, spec := range list(*plain) {
			groups, hours := suiteSpec(spec)
			sdir := filepath.Join(dir, "plain-"+spec)
			check(os.MkdirAll(sdir, 0o755))
			testFile := writePlainSuite(sdir, groups, hours)
			b.testRow(dir, fmt.Sprintf("test, plain: %s, %dh of 1m data", plural(groups, "group"), hours), sdir, []string{testFile}, *promtool, *oomguard)
		}
	}

	if want["generate"] {
		// The pack: the jsonnet CLI evaluates its rules and alerts; oomguard
		// generate evaluates them, loads and checks every rule, runs the
		// pack's unit tests and writes a PrometheusRule.
		eval := "local m = import 'mixin.libsonnet'; {rules: m.prometheusRules, alerts: m.prometheusAlerts}"
		// Twice: nothing cached (every run evaluates the pack and runs its
		// tests), and the build cached (a run before the row remembers it:
		// the same binary and configuration neither evaluate nor test again).
		anchor := command{dir: filepath.Join(repo, "jsonnet"), bin: *jsonnetBin, args: []string{"-e", eval}}
		cold := command{dir: dir, bin: *oomguard, args: []string{"generate"}, env: []string{"OOMGUARD_CACHE_DIR=off"}}
		p, o := b.pair(anchor, cold)
		b.row("generate: the pack, nothing cached", "jsonnet CLI (evaluation only)", p, o, "oomguard also loads every rule and runs the pack's unit tests")
		warm := cold
		warm.env = []string{"OOMGUARD_CACHE_DIR=" + filepath.Join(dir, "cache")}
		if !b.writeOnly {
			b.once(warm, &measure{})
		}
		p, o = b.pair(anchor, warm)
		b.row("generate: the pack, build cached", "jsonnet CLI (evaluation only)", p, o, "oomguard loads every rule of the build remembered for this binary and configuration; its tests passed then")

		mixin := writeMixin(dir, *mixinRules)
		p, o = b.pair(command{dir: filepath.Dir(mixin), bin: *jsonnetBin, args: []string{"-e", eval}},
			command{dir: dir, bin: *oomguard, args: []string{"generate", "--mixin", mixin, "--name", "large"}})
		b.row(fmt.Sprintf("generate --mixin: %d rules", *mixinRules), "jsonnet CLI (evaluation only)", p, o, "oomguard also loads and checks every rule")
	}
}

func list(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func suiteSpec(spec string) (groups, hours int) {
	if _, err := fmt.Sscanf(spec, "%dx%dh", &groups, &hours); err != nil {
		check(fmt.Errorf("suite %q: want GROUPSxHOURSh", spec))
	}
	return groups, hours
}

// suite is a set of unit-test files run together, from their directory.
type suite struct {
	name, dir string
	files     []string
}

// realworldSuites finds the unit-test files of every public set: YAML files
// with rule_files and tests at the top.
func realworldSuites(root string) []suite {
	sets, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return nil
	}
	check(err)
	var out []suite
	for _, set := range sets {
		if !set.IsDir() {
			continue
		}
		dir := filepath.Join(root, set.Name())
		var files []string
		check(filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if hasTopKey(data, "rule_files") && hasTopKey(data, "tests") {
				rel, err := filepath.Rel(dir, p)
				files = append(files, rel)
				return err
			}
			return nil
		}))
		if len(files) > 0 {
			out = append(out, suite{name: "test: " + set.Name() + "'s unit tests", dir: dir, files: files})
		}
	}
	return out
}

func hasTopKey(data []byte, key string) bool {
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, key+":") {
			return true
		}
	}
	return false
}

// testRow times both tools on test files and compares their verdicts.
// oomguard runs with --compat, promtool's own leniency, so that both judge
// the same tests by the same rules.
func (b *bench) testRow(tmp, name, dir string, files []string, promtool, oomguard string) {
	if b.writeOnly {
		return
	}
	pJunit := filepath.Join(tmp, "promtool.xml")
	oJunit := filepath.Join(tmp, "oomguard.xml")
	p, o := b.pair(command{dir: dir, bin: promtool, args: append([]string{"test", "rules", "--junit=" + pJunit}, files...)},
		command{dir: dir, bin: oomguard, args: append([]string{"test", "--compat", "--junit", oJunit}, files...)})
	groups := ""
	if len(files) > 1 {
		groups = fmt.Sprintf("%d test files; ", len(files))
	}
	b.row(name, "promtool test rules", p, o, groups+"verdicts "+sameVerdicts(pJunit, oJunit))
}

type bench struct {
	runs      int
	writeOnly bool
	load      []float64 // load averages seen over the current row
}

// command is a tool run: its directory, binary and arguments.
type command struct {
	dir, bin string
	args     []string
	env      []string // added to this process's environment
}

// measure is the runs of one tool on one input.
type measure struct {
	walls, cpus []time.Duration
	rss         int64 // KiB, the largest of the runs
}

func (m *measure) wall() time.Duration { return median(m.walls) }
func (m *measure) cpu() time.Duration  { return median(m.cpus) }

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// pair runs the anchor and oomguard runs times each, in pairs whose order
// alternates; an anchor without a binary is not run.
func (b *bench) pair(anchor, og command) (*measure, *measure) {
	if b.writeOnly {
		none := func() *measure { return &measure{walls: []time.Duration{0}, cpus: []time.Duration{0}} }
		return none(), none()
	}
	var a, o *measure
	if anchor.bin != "" {
		a = &measure{}
	}
	o = &measure{}
	b.load = nil
	for i := range b.runs {
		if a != nil && i%2 == 0 {
			b.once(anchor, a)
		}
		b.once(og, o)
		if a != nil && i%2 == 1 {
			b.once(anchor, a)
		}
	}
	return a, o
}

func (b *bench) once(c command, m *measure) {
	b.load = append(b.load, loadAverage())
	cmd := exec.Command(c.bin, c.args...)
	cmd.Dir = c.dir
	if c.env != nil {
		cmd.Env = append(os.Environ(), c.env...)
	}
	// Output goes to a file, not into this process: the kernel counts a
	// parent's peak memory into its later children's.
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
		check(fmt.Errorf("%s: %v\n%s", c.bin, err, out))
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 {
		check(fmt.Errorf("%s exited %d: %s", c.bin, code, out))
	}
	// A run that refused its input is no measurement.
	if len(c.args) > 0 && c.args[0] == "lint" && fileContains(outPath, "syntax/invalid") {
		check(fmt.Errorf("%s %s did not load its input: %s", c.bin, strings.Join(c.args, " "), out))
	}
	check(os.Remove(outPath))
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.rss = max(m.rss, ru.Maxrss)
	}
	m.walls = append(m.walls, d)
	m.cpus = append(m.cpus, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
}

// loadAverage is the one-minute load average of the machine.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(data))[0], 64)
	return f
}

// ratio is the median over the pairs of anchor / oomguard.
func ratio(a, o []time.Duration) float64 {
	rs := make([]float64, len(o))
	for i := range o {
		rs[i] = float64(a[i]) / float64(o[i])
	}
	slices.Sort(rs)
	return rs[len(rs)/2]
}

// row prints a table row; anchor is nil where oomguard has no anchor.
func (b *bench) row(input, anchorName string, a, o *measure, notes string) {
	if b.writeOnly {
		return
	}
	load := 0.0
	for _, l := range b.load {
		load += l
	}
	load /= float64(len(b.load))
	if a == nil {
		fmt.Printf("| %s | - | - | %s | - | - | %s | - | - | %s | %.1f | %s |\n", input, ms(o.wall()), ms(o.cpu()), mib(o.rss), load, notes)
		return
	}
	fmt.Printf("| %s | %s | %s | %s | %.2fx | %s | %s | %.2fx | %s | %s | %.1f | %s |\n", input, anchorName,
		ms(a.wall()), ms(o.wall()), ratio(a.walls, o.walls), ms(a.cpu()), ms(o.cpu()), ratio(a.cpus, o.cpus),
		mib(a.rss), mib(o.rss), load, notes)
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
