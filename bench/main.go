// Command bench times oomguard against promtool 3.16 on the same inputs, in
// one run, and prints the ratios. make bench runs it.
//
// For each unit-test suite it generates (rule groups shaped like the
// container-memory rules, test groups of input series at one-minute
// resolution), it runs `promtool test rules` and `oomguard test` several
// times each, takes the minimum and median wall time and the peak resident
// memory, and checks that both tools give every test group the same verdict
// (from their JUnit reports).
package main

import (
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
	oomguard := flag.String("oomguard", "bin/oomguard", "oomguard binary")
	runs := flag.Int("runs", 3, "runs of each tool on each input")
	suites := flag.String("suites", "1x6h,20x6h", "unit-test suites: GROUPSxHOURSh, comma-separated")
	flag.Parse()
	for _, p := range []*string{promtool, oomguard} {
		abs, err := filepath.Abs(*p)
		check(err)
		*p = abs
	}

	dir, err := os.MkdirTemp("", "oomguard-bench-")
	check(err)
	defer os.RemoveAll(dir)

	fmt.Printf("machine: %s\n\n", machine())
	fmt.Printf("%-28s %12s %12s %12s %12s %8s %10s %10s %s\n", "input", "promtool min", "promtool med", "oomguard min", "oomguard med", "speedup", "promtool RSS", "oomguard RSS", "verdicts")
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
		same := sameVerdicts(pJunit, oJunit)
		fmt.Printf("%-28s %12s %12s %12s %12s %7.2fx %10s %10s %s\n",
			fmt.Sprintf("test: %d groups, %dh of 1m data", groups, hours),
			ms(p.min), ms(p.median), ms(o.min), ms(o.median),
			float64(p.median)/float64(o.median), mib(p.rss), mib(o.rss), same)
	}
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
		start := time.Now()
		out, err := cmd.CombinedOutput()
		d := time.Since(start)
		if cmd.ProcessState == nil {
			check(fmt.Errorf("%s: %v\n%s", bin, err, out))
		}
		if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 {
			check(fmt.Errorf("%s exited %d: %s", bin, code, out))
		}
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
