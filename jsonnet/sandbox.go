package jsonnet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"

	"github.com/oomguard/oomguard/rules"
)

// A mixin is evaluated in a child process: the program's own executable,
// started again with sandboxEnv set. The package's init sees it and runs
// the evaluation instead of the program, before main (or a test binary's
// TestMain) starts, so that any program that links this package can be its
// own sandbox, under go test too. The request comes on standard input as
// JSON, the answer goes to standard output as JSON; the parent kills the
// child when it runs out of time or memory.
const (
	sandboxEnv     = "OOMGUARD_JSONNET_SANDBOX"
	sandboxVersion = "1"
)

// Exit codes of the child, besides 0 (an answer on standard output).
const (
	exitOverMemory = 3
	exitBadRequest = 4
)

func init() {
	if os.Getenv(sandboxEnv) != sandboxVersion {
		return
	}
	os.Exit(serve(os.Stdin, os.Stdout))
}

// response is the child's answer.
type response struct {
	Mixin *Mixin    `json:",omitempty"`
	Err   *wireEval `json:",omitempty"`
	// Fail is an error that is not the mixin's (its output does not
	// decode).
	Fail string `json:",omitempty"`
}

// wireEval is an EvalError on its way from the child.
type wireEval struct {
	File      string
	Line, Col int
	Msg, Text string
}

// serve evaluates the request read from in and writes the answer to out.
func serve(in io.Reader, out io.Writer) int {
	var req request
	if err := json.NewDecoder(io.LimitReader(in, 1<<20)).Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "jsonnet sandbox: bad request: %v\n", err)
		return exitBadRequest
	}
	// The evaluation's Go stack: go-jsonnet recurses on it for every
	// jsonnet call, and some (the standard library's tail calls) are not
	// on jsonnet's stack. Kept well under the memory limit, so that a
	// recursion ends as a stack overflow, which the parent reports as such.
	debug.SetMaxStack(int(goStackLimit(req.MaxMemory)))
	// The collector works harder as the limit nears; the watchdog ends the
	// evaluation past it.
	debug.SetMemoryLimit(req.MaxMemory * 3 / 4)
	go watchMemory(req.MaxMemory)
	m, err := evaluateMixin(req)
	var resp response
	var ee *EvalError
	switch {
	case errors.As(err, &ee):
		resp.Err = &wireEval{File: ee.File, Line: ee.Pos.Line, Col: ee.Pos.Col, Msg: ee.Msg, Text: ee.text}
	case err != nil:
		resp.Fail = err.Error()
	default:
		resp.Mixin = m
	}
	if err := json.NewEncoder(out).Encode(resp); err != nil {
		return exitBadRequest
	}
	return 0
}

// goStackLimit is the largest Go stack the child may grow: a quarter of
// its memory, at most 256 MiB. Stacks grow by doubling, so the old and the
// new one together stay under the memory limit.
func goStackLimit(maxMemory int64) int64 {
	return min(maxMemory/4, 256<<20)
}

// watchMemory ends the process when the memory the Go runtime holds goes
// over max. The parent watches the resident size too; this sees a growth
// sooner.
func watchMemory(max int64) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	for {
		metrics.Read(samples)
		if int64(samples[0].Value.Uint64()-samples[1].Value.Uint64()) > max {
			os.Exit(exitOverMemory)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// evaluateInChild runs the evaluation in a child process and bounds its
// time and memory.
func evaluateInChild(req request, timeout time.Duration) (*Mixin, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	exe, err := executable()
	if err != nil {
		return nil, fmt.Errorf("starting the jsonnet sandbox: %w", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), sandboxEnv+"="+sandboxVersion)
	cmd.Stdin = bytes.NewReader(body)
	stdout := &limitedBuffer{max: int(req.MaxMemory)}
	stderr := &limitedBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = sandboxAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the jsonnet sandbox: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var stopped string
	for stopped == "" {
		select {
		case err = <-done:
			return answer(req, err, stdout, stderr)
		case <-deadline.C:
			stopped = fmt.Sprintf("evaluation took longer than %v: stopped (--mixin-timeout raises it)", timeout)
		case <-tick.C:
			if rss := residentSize(cmd.Process.Pid); rss > req.MaxMemory {
				stopped = overMemory(req.MaxMemory)
			}
		}
	}
	_ = cmd.Process.Kill()
	<-done
	return nil, limitError(req.Path, stopped)
}

func overMemory(max int64) string {
	return fmt.Sprintf("evaluation used more than %d MiB of memory: stopped (--mixin-memory raises it)", max>>20)
}

// answer reads how the child ended.
func answer(req request, waitErr error, stdout, stderr *limitedBuffer) (*Mixin, error) {
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		msg := strings.TrimSpace(stderr.String())
		switch {
		case ee.ExitCode() == exitOverMemory || strings.Contains(msg, "out of memory"):
			return nil, limitError(req.Path, overMemory(req.MaxMemory))
		case strings.Contains(msg, "stack exceeds") || strings.Contains(msg, "stack overflow"):
			return nil, limitError(req.Path, fmt.Sprintf("evaluation recursed too deeply: its stack went over %d MiB (deep recursion through the standard library, such as std.foldl over a very long array; the stack may use a quarter of --mixin-memory, at most 256 MiB)", goStackLimit(req.MaxMemory)>>20))
		}
		first, _, _ := strings.Cut(msg, "\n")
		return nil, fmt.Errorf("the jsonnet sandbox failed (%v): %s", waitErr, first)
	}
	if waitErr != nil {
		return nil, fmt.Errorf("the jsonnet sandbox failed: %w", waitErr)
	}
	if stdout.over {
		return nil, limitError(req.Path, fmt.Sprintf("the evaluated rules are larger than %d MiB (--mixin-memory raises it)", req.MaxMemory>>20))
	}
	var resp response
	if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
		return nil, fmt.Errorf("the jsonnet sandbox's answer does not decode: %w", err)
	}
	switch {
	case resp.Err != nil:
		e := resp.Err
		return nil, &EvalError{File: e.File, Pos: rules.Pos{Line: e.Line, Col: e.Col}, Msg: e.Msg, text: e.Text}
	case resp.Fail != "":
		return nil, errors.New(resp.Fail)
	case resp.Mixin == nil:
		return nil, errors.New("the jsonnet sandbox gave no answer")
	}
	return resp.Mixin, nil
}

// executable is the program to start as the sandbox: this one.
func executable() (string, error) {
	if runtime.GOOS == "linux" {
		// Even when the file was replaced or removed since it started.
		return "/proc/self/exe", nil
	}
	return os.Executable()
}

// residentSize returns the resident memory of process pid in bytes, or 0
// where it cannot be read (only the child's own watchdog then holds).
func residentSize(pid int) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// limitedBuffer keeps at most max bytes and notes when more came.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
