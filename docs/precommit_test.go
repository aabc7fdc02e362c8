package docs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPreCommitHooks runs the hooks of .pre-commit-hooks.yaml with the real
// pre-commit against a scratch repository that uses them as docs/ci.md
// says: pre-commit builds oomguard from a clone of this repository with
// the go command, both hooks pass on a clean pack, and fail, saying why, on
// a broken rule file and a pack that drifted from its configuration.
//
// pre-commit is Debian's package; without it the test skips, unless
// OOMGUARD_REQUIRE_PRECOMMIT is set (.ci/run sets it after installing it).
func TestPreCommitHooks(t *testing.T) {
	if _, err := exec.LookPath("pre-commit"); err != nil {
		if os.Getenv("OOMGUARD_REQUIRE_PRECOMMIT") != "" {
			t.Fatal("pre-commit is not installed (apt-get install pre-commit)")
		}
		t.Skip("pre-commit is not installed (apt-get install pre-commit)")
	}
	tmp := t.TempDir()
	hooks := filepath.Join(tmp, "oomguard")
	freshClone(t, "..", hooks)
	rev := strings.TrimSpace(run(t, hooks, nil, "git", "rev-parse", "HEAD"))

	scratch := filepath.Join(tmp, "scratch")
	writeFile(t, filepath.Join(scratch, ".pre-commit-config.yaml"), `repos:
  - repo: `+hooks+`
    rev: `+rev+`
    hooks:
      - id: oomguard-lint
      - id: oomguard-generate-check
        args: [-o, deploy/oomguard.yaml]
`)
	writeFile(t, filepath.Join(scratch, ".oomguard.yaml"), "generate:\n  alerts:\n    ContainerMemoryNearLimit:\n      threshold: 0.85\n")
	run(t, scratch, nil, "git", "init", "-q")
	env := append(os.Environ(),
		"PRE_COMMIT_HOME="+filepath.Join(tmp, "pre-commit-home"),
		// The modules come from the module cache this test was built from.
		"GOMODCACHE="+goEnv(t, "GOMODCACHE"),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@test.invalid", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@test.invalid")

	// The generate hook writes nothing: make the pack with the oomguard
	// pre-commit built, as a user would with theirs.
	out, code := precommit(t, scratch, env)
	if code != 1 || !strings.Contains(out, "deploy/oomguard.yaml: out of date") && !strings.Contains(out, "+++ b/deploy/oomguard.yaml") {
		t.Fatalf("pre-commit without the pack: exit %d, want 1 and the diff that creates it\n%s", code, out)
	}
	bin := filepath.Join(tmp, "bin", "oomguard")
	run(t, hooks, env, "go", "build", "-o", bin, "./cmd/oomguard")
	run(t, scratch, env, bin, "generate", "-o", "deploy/oomguard.yaml")

	out, code = precommit(t, scratch, env)
	if code != 0 {
		t.Fatalf("pre-commit on a clean pack: exit %d\n%s", code, out)
	}
	for _, want := range []string{"oomguard lint....", "oomguard generate --check...."} {
		if !strings.Contains(out, want) {
			t.Errorf("pre-commit did not run %q:\n%s", want, out)
		}
	}

	// A broken rule and a pack edited by hand: both hooks fail, with the
	// finding and with the diff back.
	pack := filepath.Join(scratch, "deploy", "oomguard.yaml")
	data, err := os.ReadFile(pack)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, pack, strings.Replace(string(data), "limit_ratio > 0.85", "limit_ratio > 0.8", 1))
	writeFile(t, filepath.Join(scratch, "deploy", "broken.yaml"), "groups:\n  - name: g\n    rules:\n      - record: a:b:sum\n        expr: sum(rate(x[5m])\n")
	out, code = precommit(t, scratch, env)
	if code != 1 {
		t.Fatalf("pre-commit on broken files: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		"deploy/broken.yaml:5:30: error: could not parse expression: unclosed left parenthesis (syntax/invalid)",
		"-          expr: namespace_pod_container:container_memory_working_set_bytes:limit_ratio > 0.8\n" +
			"+          expr: namespace_pod_container:container_memory_working_set_bytes:limit_ratio > 0.85\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("pre-commit output lacks %q:\n%s", want, out)
		}
	}
}

func precommit(t *testing.T, dir string, env []string) (string, int) {
	t.Helper()
	run(t, dir, env, "git", "add", "-A")
	cmd := exec.Command("pre-commit", "run", "--all-files", "--color", "never")
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("pre-commit: %v\n%s", err, out)
	}
	return string(out), 0
}

func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func goEnv(t *testing.T, key string) string {
	t.Helper()
	return strings.TrimSpace(run(t, ".", nil, "go", "env", key))
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
