package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The real-kernel tests make their cgroups under this parent, in the
// layout of the kubelet's cgroupfs driver below it
// (kubepods/[burstable/|besteffort/]pod<uid>/<container id>), and remove
// everything under it at the start (what an interrupted run left) and at
// the end.
const cgroupParent = "/oomguard-e2e"

// workloadMarker tags every workload process, so that leftovers of a run
// killed outright can be found.
const workloadMarker = "-marker=oomguard-e2e-kernel"

// hierarchies are the mount points of the cgroup v1 hierarchies the
// kernel tests use, read from /proc/self/mountinfo.
type hierarchies struct {
	memory, cpu, cpuacct string
}

func (h hierarchies) all() []string { return []string{h.memory, h.cpu, h.cpuacct} }

// findHierarchies reads the cgroup v1 mounts holding the memory, cpu and
// cpuacct controllers (separate or co-mounted), and whether a cgroup v2
// mount offers the memory controller.
func findHierarchies() (h hierarchies, v2memory bool, err error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return h, false, err
	}
	h, v2memory = parseMountinfo(string(data), func(mountpoint string) []string {
		c, _ := os.ReadFile(filepath.Join(mountpoint, "cgroup.controllers"))
		return strings.Fields(string(c))
	})
	return h, v2memory, nil
}

// parseMountinfo finds the cgroup v1 hierarchies in mountinfo text, and
// whether a cgroup2 mount offers the memory controller (controllers reads
// a cgroup2 mount's cgroup.controllers).
func parseMountinfo(data string, controllers func(mountpoint string) []string) (h hierarchies, v2memory bool) {
	for line := range strings.SplitSeq(data, "\n") {
		// id parent major:minor root mountpoint options [optional...] - fstype source superoptions
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if len(fields) < 5 || len(tail) < 3 {
			continue
		}
		mountpoint := fields[4]
		switch tail[0] {
		case "cgroup":
			for opt := range strings.SplitSeq(tail[2], ",") {
				switch opt {
				case "memory":
					h.memory = mountpoint
				case "cpu":
					h.cpu = mountpoint
				case "cpuacct":
					h.cpuacct = mountpoint
				}
			}
		case "cgroup2":
			if slices.Contains(controllers(mountpoint), "memory") {
				v2memory = true
			}
		}
	}
	return h, v2memory
}

// sandbox owns the test's cgroups and workload processes.
type sandbox struct {
	h        hierarchies
	workload string // the workload binary

	mu    sync.Mutex
	procs []*exec.Cmd
	dirs  []string // cgroup names made, in order
	done  bool
}

// kernelSkip returns why this machine cannot run the kernel tests, or "".
func kernelSkip() (string, hierarchies) {
	if os.Geteuid() != 0 {
		return "not root: the kernel tests make cgroups and need root", hierarchies{}
	}
	h, v2memory, err := findHierarchies()
	if err != nil {
		return "reading /proc/self/mountinfo: " + err.Error(), h
	}
	if h.memory == "" || h.cpu == "" || h.cpuacct == "" {
		why := fmt.Sprintf("no cgroup v1 memory, cpu and cpuacct hierarchies (memory %q, cpu %q, cpuacct %q)", h.memory, h.cpu, h.cpuacct)
		if v2memory {
			why += "; this machine has cgroup v2 memory, which these tests do not drive yet"
		}
		return why, h
	}
	for _, dir := range h.all() {
		if err := syscall.Access(dir, 2 /* W_OK */); err != nil {
			return fmt.Sprintf("cgroup hierarchy %s is not writable: %v", dir, err), h
		}
	}
	return "", h
}

// newSandbox skips the test loudly where the kernel tests cannot run,
// takes the machine-wide kernel test lock, removes what an earlier run
// left, and arranges for everything to be removed at the end of the test
// and on SIGINT or SIGTERM.
func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	why, h := kernelSkip()
	if why != "" {
		t.Skip("KERNEL TESTS SKIPPED: " + why)
	}
	lockKernelTests(t)
	s := &sandbox{h: h, workload: workloadBinary(t)}
	if n, err := s.removeAll(); err != nil {
		t.Fatalf("removing what an earlier run left: %v", err)
	} else if n > 0 {
		t.Logf("removed %d cgroups an earlier run left under %s", n, cgroupParent)
	}
	t.Logf("cgroup v1: memory at %s, cpu at %s, cpuacct at %s (separate hierarchies: %v); kubelet cgroupfs layout under %s",
		h.memory, h.cpu, h.cpuacct, h.memory != h.cpu && h.cpu != h.cpuacct, cgroupParent)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	stop := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			// The testing package runs no cleanup on a signal: remove the
			// cgroups and stop every process here, then exit.
			fmt.Fprintf(os.Stderr, "e2e: %v: removing the kernel tests' cgroups and processes\n", sig)
			s.close()
			stopAllProcesses()
			os.Exit(130)
		case <-stop:
		}
	}()
	t.Cleanup(func() {
		signal.Stop(sigs)
		close(stop)
		s.close()
		if left := s.leftovers(); len(left) > 0 {
			t.Errorf("left behind after the test: %s", strings.Join(left, "; "))
		}
	})
	return s
}

// lockKernelTests takes an exclusive lock on a file shared by every run on
// this machine, so that two runs never remove each other's cgroups. A
// child run started by a test that holds it does not take it again.
func lockKernelTests(t *testing.T) {
	t.Helper()
	if os.Getenv("OOMGUARD_E2E_KERNEL_LOCKED") == "1" {
		return
	}
	dir := "/run"
	if _, err := os.Stat(dir); err != nil {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, "oomguard-e2e-kernel.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Logf("waiting for %s: another run of the kernel tests holds it", path)
		start := time.Now()
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			t.Fatal(err)
		}
		t.Logf("waited %v for the kernel test lock", time.Since(start).Round(time.Second))
	}
	t.Cleanup(func() { f.Close() })
}

// mkdir makes the cgroup in every hierarchy.
func (s *sandbox) mkdir(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return errors.New("sandbox closed")
	}
	for _, root := range s.h.all() {
		if err := os.MkdirAll(filepath.Join(root, name), 0o755); err != nil {
			return err
		}
	}
	s.dirs = append(s.dirs, name)
	return nil
}

// set writes a control file of one hierarchy.
func set(root, cgroup, file string, value int64) error {
	return os.WriteFile(filepath.Join(root, cgroup, file), []byte(strconv.FormatInt(value, 10)), 0)
}

// start runs the workload in the cgroup (in all three hierarchies) and
// waits until it has joined them.
func (s *sandbox) start(t *testing.T, cgroup, name string, args ...string) *workload {
	t.Helper()
	var join []string
	for _, root := range s.h.all() {
		join = append(join, filepath.Join(root, cgroup, "cgroup.procs"))
	}
	cmd := exec.Command(s.workload, append([]string{workloadMarker, "-join", strings.Join(join, ",")}, args...)...)
	w := &workload{name: name, cgroup: cgroup, cmd: cmd, exited: make(chan struct{})}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	w.stdin = stdin
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &w.log
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		t.Fatal("sandbox closed")
	}
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		t.Fatal(err)
	}
	s.procs = append(s.procs, cmd)
	s.mu.Unlock()
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		first := true
		for sc.Scan() {
			if first {
				first = false
				if sc.Text() == "ready" {
					ready <- nil
				} else {
					ready <- fmt.Errorf("said %q", sc.Text())
				}
				continue
			}
			w.log.Write([]byte(sc.Text() + "\n"))
		}
		if first {
			ready <- errors.New("exited before it was ready")
		}
		w.err = cmd.Wait()
		close(w.exited)
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("workload %s: %v\n%s", name, err, w.log.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("workload %s not ready after 30s", name)
	}
	return w
}

// workload is one started workload process.
type workload struct {
	name, cgroup string
	cmd          *exec.Cmd
	stdin        interface{ Write([]byte) (int, error) }
	log          lockedBuffer
	exited       chan struct{}
	err          error // set when exited is closed
}

// killedBy returns the signal that ended the process, if one did.
func (w *workload) killedBy() (syscall.Signal, bool) {
	if w.cmd.ProcessState == nil {
		return 0, false
	}
	ws, ok := w.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return 0, false
	}
	return ws.Signal(), true
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// close kills every workload and removes every cgroup under the parent.
// It is safe to call twice and from the signal handler.
func (s *sandbox) close() {
	s.mu.Lock()
	s.done = true
	procs := s.procs
	s.procs = nil
	s.mu.Unlock()
	for _, p := range procs {
		_ = p.Process.Kill()
	}
	if _, err := s.removeAll(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: removing the kernel tests' cgroups: %v\n", err)
	}
}

// removeAll kills whatever runs in a cgroup under the parent and removes
// the cgroups, deepest first, in every hierarchy. It returns how many it
// removed.
func (s *sandbox) removeAll() (int, error) {
	n := 0
	var errs []error
	for _, root := range s.h.all() {
		top := filepath.Join(root, cgroupParent)
		var dirs []string
		err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if d.IsDir() {
				dirs = append(dirs, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Deepest first: a cgroup with children cannot be removed.
		slices.SortFunc(dirs, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
		for _, dir := range dirs {
			if err := removeCgroup(dir); err != nil {
				errs = append(errs, err)
				continue
			}
			n++
		}
	}
	return n, errors.Join(errs...)
}

// removeCgroup kills the processes in a cgroup directory, waits for them to
// leave it, and removes it.
func removeCgroup(dir string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		pids := strings.Fields(string(data))
		for _, p := range pids {
			if pid, err := strconv.Atoi(p); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if len(pids) == 0 {
			err := syscall.Rmdir(dir)
			if err == nil || errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
				return fmt.Errorf("rmdir %s: %w", dir, err)
			}
		} else if time.Now().After(deadline) {
			return fmt.Errorf("%s: processes %v did not leave", dir, pids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// leftovers lists cgroups under the parent and workload processes that
// still exist.
func (s *sandbox) leftovers() []string {
	return kernelLeftovers(s.h)
}

func kernelLeftovers(h hierarchies) []string {
	var left []string
	for _, root := range h.all() {
		if _, err := os.Stat(filepath.Join(root, cgroupParent)); err == nil {
			left = append(left, "cgroup "+filepath.Join(root, cgroupParent))
		}
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if slices.Contains(strings.Split(string(cmdline), "\x00"), workloadMarker) {
			// A zombie child of this process is gone for all purposes.
			if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && strings.Contains(string(stat), ") Z ") {
				continue
			}
			left = append(left, fmt.Sprintf("workload process %d", pid))
		}
	}
	return left
}

// workloadBinary builds ./workload into the test's temporary directory
// (without the race detector, whatever the test runs with; the build
// cache makes it quick), or takes the one a parent test built.
func workloadBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("OOMGUARD_E2E_WORKLOAD"); p != "" {
		return p
	}
	path := filepath.Join(t.TempDir(), "workload")
	goBin, err := exec.LookPath("go")
	if err != nil {
		if root := os.Getenv("GOROOT"); root != "" {
			goBin = filepath.Join(root, "bin", "go")
		} else {
			t.Fatalf("building the workload: no go command on PATH: %v", err)
		}
	}
	cmd := exec.Command(goBin, "build", "-o", path, "./workload")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./workload: %v\n%s", err, out)
	}
	return path
}
