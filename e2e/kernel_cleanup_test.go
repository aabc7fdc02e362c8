package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKernelCleanup runs the kernel tests' set-up (cgroups of the kubelet's
// layout with a busy and a quiet workload in them) in a child test process,
// again and again, ended each way a run can end: it passes, it fails, it is
// interrupted with SIGINT or SIGTERM, it is killed outright. After each,
// nothing may be left but what a killed run cannot remove itself (its
// cgroups, emptied as its workloads notice their parent is gone), which
// the next run removes at its start.
func TestKernelCleanup(t *testing.T) {
	why, h := kernelSkip()
	if why != "" {
		t.Skip("KERNEL TESTS SKIPPED: " + why)
	}
	lockKernelTests(t)
	workload := workloadBinary(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, mode string, sig syscall.Signal) (string, error) {
		cmd := exec.Command(exe, "-test.run=^TestKernelSandboxChild$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "OOMGUARD_E2E_KERNEL_LOCKED=1", "OOMGUARD_E2E_WORKLOAD="+workload, "OOMGUARD_E2E_CHILD_MODE="+mode)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if sig != 0 && sc.Text() == "child: running" {
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
			}
		}
		return out.String(), cmd.Wait()
	}
	steps := []struct {
		name   string
		mode   string
		sig    syscall.Signal
		failed bool // the child must fail
		leaves bool // the child leaves its (empty) cgroups
	}{
		{name: "pass", mode: "pass"},
		{name: "fail", mode: "fail", failed: true},
		{name: "SIGINT", mode: "wait", sig: syscall.SIGINT, failed: true},
		{name: "SIGTERM", mode: "wait", sig: syscall.SIGTERM, failed: true},
		{name: "SIGKILL", mode: "wait", sig: syscall.SIGKILL, failed: true, leaves: true},
		{name: "pass after SIGKILL", mode: "pass"},
	}
	for i, step := range steps {
		out, err := run(t, step.mode, step.sig)
		if (err != nil) != step.failed {
			t.Fatalf("step %d (%s): child ended with %v, want failure %v\n%s", i+1, step.name, err, step.failed, out)
		}
		if !strings.Contains(out, "child: running") {
			t.Fatalf("step %d (%s): the child never ran its workloads\n%s", i+1, step.name, out)
		}
		if i > 0 && steps[i-1].leaves && !strings.Contains(out, "an earlier run left") {
			t.Errorf("step %d (%s): the child did not report removing what the killed run left\n%s", i+1, step.name, out)
		}
		// Workloads whose parent died exit by themselves within a second.
		var left []string
		deadline := time.Now().Add(5 * time.Second)
		for {
			left = kernelLeftovers(h)
			if step.leaves {
				left = dropCgroups(left)
			}
			if len(left) == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if len(left) > 0 {
			t.Errorf("step %d (%s): left behind: %s\n%s", i+1, step.name, strings.Join(left, "; "), out)
		}
		if step.leaves && len(kernelLeftovers(h)) == 0 {
			t.Errorf("step %d (%s): a run killed outright left no cgroup: the step tests nothing", i+1, step.name)
		}
		if step.leaves {
			t.Logf("step %d (%s): child ended with %v; no process left, only its emptied cgroups", i+1, step.name, err)
		} else {
			t.Logf("step %d (%s): child ended with %v; nothing left", i+1, step.name, err)
		}
	}
}

func dropCgroups(left []string) []string {
	var out []string
	for _, l := range left {
		if !strings.HasPrefix(l, "cgroup ") {
			out = append(out, l)
		}
	}
	return out
}

// TestKernelSandboxChild is the child TestKernelCleanup runs; it skips
// when run any other way.
func TestKernelSandboxChild(t *testing.T) {
	mode := os.Getenv("OOMGUARD_E2E_CHILD_MODE")
	if mode == "" {
		t.Skip("run by TestKernelCleanup")
	}
	s := newSandbox(t)
	pod := cgroupParent + "/kubepods/burstable/podcleanup"
	for _, c := range []string{pod, pod + "/busy", pod + "/quiet"} {
		if err := s.mkdir(c); err != nil {
			t.Fatal(err)
		}
		if err := set(s.h.memory, c, "memory.limit_in_bytes", 32*mib); err != nil {
			t.Fatal(err)
		}
		if err := set(s.h.cpu, c, "cpu.cfs_quota_us", 5000); err != nil {
			t.Fatal(err)
		}
	}
	s.start(t, pod+"/busy", "busy", "-mode", "spin")
	s.start(t, pod+"/quiet", "quiet", "-mode", "quiet")
	fmt.Println("child: running")
	switch mode {
	case "fail":
		t.Fatal("failing on purpose")
	case "wait":
		time.Sleep(time.Minute)
		t.Fatal("no signal came")
	}
}
