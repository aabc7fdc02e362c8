// Command workload is the process the real-kernel end-to-end test runs as
// each synthetic container: it joins the container's cgroups itself, says
// "ready" on stdout, and then loads the kernel in one way. The test builds
// it without the race detector, so that its memory is what it allocates.
//
//	workload -join FILE,... -mode quiet|alloc|oom|child-oom|cache|spin|syscalls [flags]
//
// It exits when its parent goes away, so that a test killed outright
// leaves no busy process behind; the next run removes the cgroups.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	join := flag.String("join", "", "comma-separated cgroup.procs files to write this process into before anything else")
	mode := flag.String("mode", "quiet", "quiet, alloc, oom, child-oom, cache, spin or syscalls (grow: child-oom's child)")
	memCgroup := flag.String("memory-cgroup", "", "alloc: the memory cgroup directory whose usage and limit it reads")
	ratio := flag.Float64("ratio", 0.93, "alloc: allocate until usage is this share of the limit, then hold")
	file := flag.String("file", "", "cache, oom: the file to write and read")
	fileMiB := flag.Int("file-mib", 96, "cache, oom: size of the file in MiB")
	hotMiB := flag.Int("hot-mib", 24, "cache: the head of the file read twice a round")
	stepMiB := flag.Int("step-mib", 2, "oom, child-oom: anonymous memory added a step")
	interval := flag.Duration("interval", 200*time.Millisecond, "oom, child-oom: time between steps; cache: pause between rounds")
	duty := flag.Float64("duty", 0.5, "syscalls: share of each 100ms spent in the read loop")
	marker := flag.String("marker", "", "a tag the test finds leftover processes by")
	flag.Parse()

	for p := range strings.SplitSeq(*join, ",") {
		if p == "" {
			continue
		}
		if err := os.WriteFile(p, []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
			fatal("joining %s: %v", p, err)
		}
	}
	go exitWithParent(os.Getppid())
	fmt.Println("ready")

	switch *mode {
	case "quiet":
		select {}
	case "alloc":
		alloc(*memCgroup, *ratio)
	case "oom":
		fillCache(*file, *fileMiB)
		// Wait for the go-ahead on stdin: the test starts the growth once
		// Prometheus has seen the container healthy.
		waitGoAhead()
		grow(*stepMiB, *interval)
	case "child-oom":
		waitGoAhead()
		growChild(*marker, *stepMiB, *interval)
		select {}
	case "grow":
		grow(*stepMiB, *interval)
	case "cache":
		stream(*file, *fileMiB, *hotMiB, *interval)
	case "spin":
		spin()
	case "syscalls":
		syscalls(*duty)
	default:
		fatal("unknown mode %q", *mode)
	}
}

func waitGoAhead() {
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fatal("waiting for the go-ahead: %v", err)
	}
}

// growChild runs a child process, in this process's cgroups, that grows
// until the kernel kills it, as a worker of a multi-process container
// would: the OOM killer takes the child (the largest), and this process,
// the container's first, lives on. It says how the child ended.
func growChild(marker string, stepMiB int, interval time.Duration) {
	exe, err := os.Executable()
	if err != nil {
		fatal("%v", err)
	}
	cmd := exec.Command(exe, "-marker="+marker, "-mode", "grow", "-step-mib", strconv.Itoa(stepMiB), "-interval", interval.String())
	// The child's "ready" is not this process's to say.
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	err = cmd.Run()
	fmt.Printf("child ended: %v\n", err)
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "workload: "+format+"\n", args...)
	os.Exit(2)
}

func exitWithParent(ppid int) {
	for {
		time.Sleep(200 * time.Millisecond)
		if os.Getppid() != ppid {
			os.Exit(3)
		}
	}
}

// mapAnon maps n bytes of anonymous memory and writes every page, so that
// the kernel charges all of it to the cgroup now.
func mapAnon(n int) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		fatal("mmap: %v", err)
	}
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
}

func readUint(path string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		fatal("%v", err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		fatal("%s: %v", path, err)
	}
	return v
}

// alloc adds anonymous memory a MiB at a time until the cgroup's usage is
// the given share of its limit, then holds it.
func alloc(dir string, ratio float64) {
	limit := readUint(filepath.Join(dir, "memory.limit_in_bytes"))
	for float64(readUint(filepath.Join(dir, "memory.usage_in_bytes"))) < ratio*float64(limit) {
		mapAnon(1 << 20)
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("holding %d of %d bytes\n", readUint(filepath.Join(dir, "memory.usage_in_bytes")), limit)
	select {}
}

func writeFile(path string, mib int) {
	f, err := os.Create(path)
	if err != nil {
		fatal("%v", err)
	}
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	for range mib {
		if _, err := f.Write(buf); err != nil {
			fatal("%v", err)
		}
	}
	if err := f.Close(); err != nil {
		fatal("%v", err)
	}
}

func readFile(path string, limit int64) {
	f, err := os.Open(path)
	if err != nil {
		fatal("%v", err)
	}
	defer f.Close()
	var r io.Reader = f
	if limit > 0 {
		r = io.LimitReader(f, limit)
	}
	if _, err := io.CopyBuffer(io.Discard, r, make([]byte, 1<<20)); err != nil {
		fatal("%v", err)
	}
}

// fillCache writes a file and reads it back, so that the cgroup holds
// reclaimable page cache.
func fillCache(path string, mib int) {
	writeFile(path, mib)
	readFile(path, 0)
}

// grow adds anonymous memory step by step until the kernel kills it.
// Each charge past the limit makes the kernel reclaim the page cache
// first (a limit hit, counted in memory.failcnt) and, once nothing is
// left to reclaim, OOM-kill the process.
func grow(stepMiB int, interval time.Duration) {
	for {
		mapAnon(stepMiB << 20)
		time.Sleep(interval)
	}
}

// stream rewrites part of a file larger than the limit, reads all of it
// and its head twice, round after round: the cgroup fills with page cache
// while its anonymous memory stays small.
func stream(path string, mib, hotMiB int, pause time.Duration) {
	writeFile(path, mib)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		fatal("%v", err)
	}
	buf := make([]byte, 1<<20)
	for round := 0; ; round++ {
		off := int64(round*8%mib) << 20
		for i := range int64(8) {
			if _, err := f.WriteAt(buf, off+i<<20); err != nil {
				fatal("%v", err)
			}
		}
		readFile(path, 0)
		readFile(path, int64(hotMiB)<<20)
		readFile(path, int64(hotMiB)<<20)
		time.Sleep(pause)
	}
}

// spin burns CPU in user space for as long as the quota lets it.
func spin() {
	x := uint64(1)
	for {
		x = x*6364136223846793005 + 1442695040888963407
		if x == 0 {
			fmt.Println(x)
		}
	}
}

// syscalls reads /dev/zero in 64 KiB reads for duty of every 100ms and
// sleeps the rest: its CPU time is nearly all system time.
func syscalls(duty float64) {
	f, err := os.Open("/dev/zero")
	if err != nil {
		fatal("%v", err)
	}
	buf := make([]byte, 64<<10)
	busy := time.Duration(duty * float64(100*time.Millisecond))
	for {
		start := time.Now()
		for time.Since(start) < busy {
			if _, err := f.Read(buf); err != nil {
				fatal("%v", err)
			}
		}
		time.Sleep(100*time.Millisecond - busy)
	}
}
