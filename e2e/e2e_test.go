// Package e2e runs oomguard's output against real components built from
// pinned modules by make tools: a Prometheus server, and a kube-apiserver
// with etcd and kubectl.
package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// tool returns a binary make tools builds. When the environment names it
// (make does), it must exist; otherwise the test is skipped if it is not
// built.
func tool(t *testing.T, env, name string) string {
	t.Helper()
	p, set := os.LookupEnv(env)
	if !set || p == "" {
		p = filepath.Join("..", ".cache", "bin", name)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		if set {
			t.Fatalf("%s=%s: %v", env, p, err)
		}
		t.Skipf("%s not built: run make tools (make test does)", name)
	}
	return abs
}

// process is a server the test started, on loopback.
type process struct {
	name string
	url  string
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs bytes.Buffer
}

func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.Write(b)
}

// startProcess starts bin, keeps its output, and at the end of the test
// kills it by its PID and prints the output if the test failed.
func startProcess(t *testing.T, name, bin string, args ...string) *process {
	t.Helper()
	p := &process{name: name}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	running.add(p.cmd)
	t.Cleanup(func() {
		running.remove(p.cmd)
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		if t.Failed() {
			p.mu.Lock()
			t.Logf("%s logs:\n%s", p.name, p.logs.String())
			p.mu.Unlock()
		}
	})
	return p
}

// running holds the servers started and not yet stopped, for a signal
// handler that must stop them itself (the testing package runs no cleanup
// on a signal).
var running = &processSet{}

type processSet struct {
	mu    sync.Mutex
	procs map[*exec.Cmd]bool
}

func (s *processSet) add(c *exec.Cmd) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.procs == nil {
		s.procs = map[*exec.Cmd]bool{}
	}
	s.procs[c] = true
}

func (s *processSet) remove(c *exec.Cmd) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.procs, c)
}

// stopAllProcesses kills every server still running.
func stopAllProcesses() {
	running.mu.Lock()
	defer running.mu.Unlock()
	for c := range running.procs {
		_ = c.Process.Kill()
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitFor polls cond until it holds, up to timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("waited %v for %s; last state: %s", timeout, what, last)
}

func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
