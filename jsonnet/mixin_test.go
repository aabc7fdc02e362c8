package jsonnet

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func writeMixin(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mixin.libsonnet")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// children returns the processes whose parent is this one.
func children(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var out []string
	me := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(data)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == me {
			out = append(out, e.Name())
		}
	}
	return out
}

const rule = `{ prometheusRules: { groups: [{ name: 'g', rules: [{ record: 'r', expr: %s }] }] } }`

func mixinWith(expr string) string { return strings.Replace(rule, "%s", expr, 1) }

func TestEvaluateMixinLimits(t *testing.T) {
	tests := []struct {
		name string
		src  string
		opts MixinOptions
		want string
		pos  string // file:line:col of the error, relative to the mixin
	}{
		{"runs out of time", "local slow(n) = if n == 0 then 1 else slow(n - 1) + slow(n - 1);\n" + mixinWith("std.toString(slow(40))"),
			MixinOptions{Timeout: 300 * time.Millisecond}, "evaluation took longer than 300ms: stopped (--mixin-timeout raises it)", "1:1"},
		{"runs out of memory", mixinWith("std.repeat('abcdefgh', 100000000)"),
			MixinOptions{MaxMemory: 128 << 20}, "evaluation used more than 128 MiB of memory: stopped (--mixin-memory raises it)", "1:1"},
		{"doubles a string", "local d(s, n) = if n == 0 then s else d(s + s, n - 1);\n" + mixinWith("d('a', 40)"),
			MixinOptions{MaxMemory: 128 << 20}, "evaluation used more than 128 MiB of memory: stopped (--mixin-memory raises it)", "1:1"},
		{"endless tail recursion", "local f(n) = f(n + 1) tailstrict;\n" + mixinWith("std.toString(f(0))"),
			MixinOptions{}, "max stack frames exceeded.", "1:14"},
		{"deep tail recursion", "local f(n, acc) = if n == 0 then acc else f(n - 1, acc + 1) /* why */ tailstrict;\n" + mixinWith("std.toString(f(10000000, 0))"),
			MixinOptions{}, "max stack frames exceeded.", "1:22"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeMixin(t, tc.src)
			start := time.Now()
			_, err := EvaluateMixin(path, tc.opts)
			var ee *EvalError
			if !errors.As(err, &ee) || ee.Msg != tc.want {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if got := ee.Pos.String(); got != tc.pos || ee.File != path {
				t.Errorf("at %s:%s, want %s:%s", ee.File, got, path, tc.pos)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
			if c := children(t); len(c) > 0 {
				t.Errorf("the evaluation still runs: child processes %v", c)
			}
		})
	}
}

func TestEvaluateMixinInProcess(t *testing.T) {
	path := writeMixin(t, mixinWith("'sum(up)'"))
	want := `{
  "groups": [
    {
      "name": "g",
      "rules": [
        {
          "expr": "sum(up)",
          "record": "r"
        }
      ]
    }
  ]
}`
	for _, inProcess := range []bool{false, true} {
		m, err := EvaluateMixin(path, MixinOptions{InProcess: inProcess})
		if err != nil {
			t.Fatal(err)
		}
		merged, err := MergeGroups(m.Rules, m.Alerts)
		if err != nil || string(merged) != want || len(m.Files) != 1 || m.Files[0] != path {
			t.Errorf("in process %v: %s (%v), files %v", inProcess, merged, err, m.Files)
		}
	}
	// In process, the stack limit holds too.
	path = writeMixin(t, "local f(n) = f(n + 1) tailstrict;\n"+mixinWith("std.toString(f(0))"))
	_, err := EvaluateMixin(path, MixinOptions{InProcess: true})
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Msg != "max stack frames exceeded." {
		t.Errorf("in process: %v", err)
	}
}

func TestWithoutTailstrict(t *testing.T) {
	src := "local s = 'tailstrict'; // tailstrict\nlocal f(x) = x;\n{ a: f(1) tailstrict, b: f(2)\n  # a comment\n  tailstrict, c: s }"
	want := "local s = 'tailstrict'; // tailstrict\nlocal f(x) = x;\n{ a: f(1)           , b: f(2)\n  # a comment\n            , c: s }"
	if got := string(withoutTailstrict("x.jsonnet", []byte(src))); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := string(withoutTailstrict("x.txt", []byte("not jsonnet: tailstrict ("))); got != "not jsonnet: tailstrict (" {
		t.Errorf("text that is not jsonnet changed: %q", got)
	}
}
