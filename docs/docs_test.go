// Package docs holds the project's documentation. Its test runs every
// shell command that README.md and docs/*.md show, so that a page cannot
// show a command that fails or an output that is no longer printed.
package docs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// exempt lists the commands the pages show that this test does not run,
// each with the reason. An exemption that matches no command fails the
// test, so that the list cannot outlive the pages.
var exempt = map[string]string{
	"go install github.com/oomguard/oomguard/cmd/oomguard@latest": "the module is not published yet",
	"make test": "it is what runs this test",
	"make release": "six cross-builds, minutes of CPU on a cold cache; make release-check runs it, by hand, " +
		"as make test is too often run for it",
	"make release-check": "two releases, see make release",
	"pre-commit run --all-files": "fetches the hooks' repository, which is not published yet; " +
		"TestPreCommitHooks runs the same hooks with the real pre-commit from a local clone",
	"oomguard lint --prometheus http://prometheus:9090 deploy/": "needs a Prometheus server; internal/cli's TestLintOnline runs lint " +
		"--prometheus against the real Prometheus engine over series it loads",
	"oomguard lint --prometheus https://thanos-query:10902 --ca-file ca.pem --backtest 7d --backtest-max-firings 10 deploy/": "needs a Thanos Query " +
		"behind TLS with history; lint/checks' online/backtest testdata replays alerts over the real engine",
	"oomguard top --prometheus http://prometheus:9090": "needs a Prometheus server with a cluster's series; " +
		"e2e/online_test.go runs top against real Prometheus and Thanos Query servers",
	"oomguard top --prometheus http://thanos-query:10902 --cluster prod --node node-7 -o csv": "needs Thanos Query over " +
		"clusters; e2e/online_test.go runs top with --cluster and --node through a real Thanos Query",
	"oomguard generate | kubectl apply -f -": "needs a cluster; e2e's TestKubernetes applies the same bytes " +
		"(generate/testdata/default.prometheusrule.yaml, which generate's tests keep equal to this output) to a real kube-apiserver",
}

// commandTimeout bounds one command; `make build` on a cold cache is the
// slowest of them.
const commandTimeout = 10 * time.Minute

// TestCommands plays the pages as a reader who has just cloned the
// repository: README.md first, in a copy of the repository as a fresh clone
// has it (tracked and new files, a git history whose origin/main is HEAD),
// then each page of docs/ in a copy of what the README left behind. Every
// command runs in bash, in order, keeping the working directory and exported
// variables from one command to the next.
//
// A page shows commands in fenced blocks:
//
//   - ```sh: each line (comments aside; a trailing \ continues it) is a
//     command that must exit 0.
//   - ```console: lines starting with "$ " are commands, the lines below
//     each are its output, stdout and stderr together as a terminal shows
//     them (NO_COLOR set), compared exactly. A command may exit non-zero
//     only when the next one is "echo $?", which shows the code.
//   - A block of any language right after <!-- file: PATH --> is written to
//     PATH (relative to the working directory) before the commands after it
//     run.
//   - The commands a page puts in CI configuration (see configured) must be
//     among those it runs.
func TestCommands(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	pages := []string{"../README.md"}
	more, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, more...)

	parsed := make(map[string][]step)
	used := make(map[string]bool)
	for _, p := range pages {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		steps, err := parsePage(p, string(src))
		if err != nil {
			t.Fatal(err)
		}
		ran := map[string]bool{}
		for _, s := range steps {
			if _, ok := exempt[s.cmd]; ok {
				used[s.cmd] = true
			}
			ran[s.cmd] = true
		}
		for _, c := range configured(string(src)) {
			if _, ok := exempt[c.cmd]; ok {
				used[c.cmd] = true
				continue
			}
			if !ran[c.cmd] {
				t.Errorf("%s:%d: CI runs %q, which the page does not run itself", p, c.line, c.cmd)
			}
		}
		parsed[p] = steps
	}
	for cmd := range exempt {
		if !used[cmd] {
			t.Errorf("exemption %q matches no command the pages show", cmd)
		}
	}

	tmp := t.TempDir()
	clone := filepath.Join(tmp, "clone")
	freshClone(t, "..", clone)
	state := &shell{dir: clone, stateFile: filepath.Join(tmp, "readme.state")}
	t.Run("README.md", func(t *testing.T) { state.play(t, parsed["../README.md"]) })
	t.Run("make build stamps", func(t *testing.T) { checkStamp(t, clone) })

	for _, p := range pages[1:] {
		if len(parsed[p]) == 0 {
			continue
		}
		t.Run(p, func(t *testing.T) {
			dir := filepath.Join(tmp, strings.TrimSuffix(p, ".md"))
			copyTree(t, clone, dir)
			sh := &shell{dir: dir, stateFile: dir + ".state", env: state.exported}
			sh.play(t, parsed[p])
		})
	}
}

// checkStamp checks the identity `make build` gave the binary the README
// built: git describe of the clone (no tags: the short commit), the commit
// and its commit date (the one freshClone gave it).
func checkStamp(t *testing.T, clone string) {
	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"-C", clone}, args...)...).Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	want := fmt.Sprintf("oomguard %s (commit %s, committed %s, Prometheus 3.16.0, %s %s/%s)\n",
		git("rev-parse", "--short", "HEAD"), git("rev-parse", "HEAD"), cloneDate, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, arg := range []string{"version", "--version"} {
		out, err := exec.Command(filepath.Join(clone, "bin", "oomguard"), arg).Output()
		if err != nil {
			t.Fatalf("bin/oomguard %s: %v", arg, err)
		}
		if string(out) != want {
			t.Errorf("bin/oomguard %s = %q, want %q", arg, out, want)
		}
	}
}

// TestGoVersion keeps the Go version the README asks for equal to the one
// go.mod needs.
func TestGoVersion(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("needs Go %s or later", m[1])
	if !bytes.Contains(readme, []byte(want)) {
		t.Errorf("README.md does not say %q", want)
	}
}

// configured returns the commands a page writes into CI configuration
// rather than running them itself: `run:` steps of a workflow and
// `script:` items in yaml blocks, recipe lines of make blocks. Each must be
// a command the page runs too (or an exempt one), so that what a recipe
// tells CI to run is tested as well.
func configured(src string) []step {
	var out []step
	lines := strings.Split(src, "\n")
	lang := ""
	scriptIndent := -1
	for i, line := range lines {
		if info, ok := strings.CutPrefix(line, "```"); ok {
			if lang == "" {
				lang = strings.TrimSpace(info)
			} else {
				lang = ""
			}
			scriptIndent = -1
			continue
		}
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		switch lang {
		case "yaml":
			item, isItem := strings.CutPrefix(trimmed, "- ")
			if scriptIndent >= 0 && (indent <= scriptIndent || !isItem) {
				scriptIndent = -1
			}
			switch {
			case scriptIndent >= 0:
				out = append(out, step{line: i + 1, cmd: item})
			case strings.TrimSpace(trimmed) == "script:":
				scriptIndent = indent
			default:
				if cmd, ok := strings.CutPrefix(strings.TrimPrefix(trimmed, "- "), "run: "); ok {
					out = append(out, step{line: i + 1, cmd: cmd})
				}
			}
		case "make":
			if cmd, ok := strings.CutPrefix(line, "\t"); ok {
				out = append(out, step{line: i + 1, cmd: cmd})
			}
		}
	}
	return out
}

// A step is one command of a page, or a file the page writes.
type step struct {
	line int // of the page, 1-based
	cmd  string
	// console blocks: the output shown; sh blocks: nil (not compared)
	output *string
	// the next command of the block is `echo $?`
	showsCode bool
	// a file to write instead of a command
	file, content string
}

var fileMarker = regexp.MustCompile(`^<!--\s*file:\s*(\S+)\s*-->$`)

// parsePage reads the commands and files of a markdown page.
func parsePage(name, src string) ([]step, error) {
	var steps []step
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		info, ok := strings.CutPrefix(lines[i], "```")
		if !ok {
			continue
		}
		lang := strings.TrimSpace(info)
		open := i
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body = append(body, lines[i])
		}
		if i == len(lines) {
			return nil, fmt.Errorf("%s:%d: unclosed code block", name, open+1)
		}
		if lang == "" {
			return nil, fmt.Errorf("%s:%d: code block without a language: say sh, console, yaml, ...", name, open+1)
		}
		if open > 0 {
			if m := fileMarker.FindStringSubmatch(strings.TrimSpace(lines[open-1])); m != nil {
				steps = append(steps, step{line: open + 1, file: m[1], content: strings.Join(body, "\n") + "\n"})
				continue
			}
		}
		switch lang {
		case "sh", "bash", "shell":
			steps = append(steps, shellSteps(open+2, body)...)
		case "console":
			s, err := consoleSteps(name, open+2, body)
			if err != nil {
				return nil, err
			}
			steps = append(steps, s...)
		}
	}
	return steps, nil
}

func shellSteps(first int, body []string) []step {
	var steps []step
	for j := 0; j < len(body); j++ {
		line := strings.TrimSpace(body[j])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s := step{line: first + j}
		for strings.HasSuffix(line, `\`) && j+1 < len(body) {
			j++
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(body[j])
		}
		s.cmd = line
		steps = append(steps, s)
	}
	return steps
}

func consoleSteps(name string, first int, body []string) ([]step, error) {
	var steps []step
	for j := 0; j < len(body); j++ {
		line, ok := strings.CutPrefix(body[j], "$ ")
		if !ok {
			if len(steps) == 0 {
				return nil, fmt.Errorf("%s:%d: console block output before any \"$ \" command", name, first+j)
			}
			last := &steps[len(steps)-1]
			*last.output += body[j] + "\n"
			continue
		}
		s := step{line: first + j, output: new(string)}
		for strings.HasSuffix(line, `\`) && j+1 < len(body) {
			j++
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(body[j])
		}
		s.cmd = strings.TrimSpace(line)
		if len(steps) > 0 && s.cmd == "echo $?" {
			steps[len(steps)-1].showsCode = true
		}
		steps = append(steps, s)
	}
	return steps, nil
}

// shell runs commands one at a time in bash, carrying the working
// directory, the exported variables and the last exit code from one to
// the next through a file that each sources first.
type shell struct {
	dir       string
	stateFile string
	env       []string // the environment to start from; nil: this process's
	exported  []string // after play: the environment the last command left
}

func (sh *shell) play(t *testing.T, steps []step) {
	env := sh.env
	if env == nil {
		env = append(os.Environ(), "NO_COLOR=1")
	}
	if err := os.WriteFile(sh.stateFile, []byte(fmt.Sprintf("cd %s\n", quote(sh.dir))), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.file != "" {
			p := filepath.Join(sh.dir, s.file)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(s.content), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("line %d: wrote %s", s.line, s.file)
			continue
		}
		if reason, ok := exempt[s.cmd]; ok {
			t.Logf("line %d: not run: %s: %s", s.line, s.cmd, reason)
			continue
		}
		out, code, took := sh.run(t, env, s.cmd)
		t.Logf("line %d: $ %s  (exit %d, %.1fs)", s.line, s.cmd, code, took.Seconds())
		if code != 0 && !s.showsCode {
			t.Fatalf("line %d: %s: exit %d\n%s", s.line, s.cmd, code, out)
		}
		if s.output != nil {
			if diff := cmp.Diff(*s.output, out); diff != "" {
				t.Errorf("line %d: %s: output differs from the page (-page +got):\n%s", s.line, s.cmd, diff)
			}
		}
	}
	sh.exported = sh.environ(t)
}

func (sh *shell) run(t *testing.T, env []string, command string) (string, int, time.Duration) {
	script := fmt.Sprintf(`source %[1]s
%[2]s
__code=$?
{ export -p; printf 'cd %%q\n' "$PWD"; printf '(exit %%d)\n' $__code; } > %[1]s
exit $__code
`, quote(sh.stateFile), command)
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-o", "pipefail", "-c", script)
	cmd.Dir = sh.dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok || ctx.Err() != nil {
			t.Fatalf("%s: %v\n%s", command, err, out.String())
		}
		code = ee.ExitCode()
	}
	return out.String(), code, took
}

// environ is the environment the commands left, exported variables only.
func (sh *shell) environ(t *testing.T) []string {
	out, err := exec.Command("bash", "--noprofile", "--norc", "-c",
		fmt.Sprintf("source %s; env -0", quote(sh.stateFile))).Output()
	if err != nil {
		t.Fatalf("reading the shell's environment: %v", err)
	}
	var env []string
	for _, kv := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		if !strings.HasPrefix(kv, "_=") && !strings.HasPrefix(kv, "PWD=") && !strings.HasPrefix(kv, "OLDPWD=") {
			env = append(env, kv)
		}
	}
	return env
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// cloneDate is the commit date of the fresh clone's one commit.
const cloneDate = "2026-01-01T00:00:00Z"

// freshClone copies the repository at root into dir as a clone of it
// would have it, with the working tree's edits: every tracked file and every
// new one git does not ignore; then makes it a git repository with one
// commit that origin/main also names.
func freshClone(t *testing.T, root, dir string) {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("not in a git work tree: %v", err)
	}
	for _, f := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		fi, err := os.Lstat(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		copyFile(t, filepath.Join(root, f), filepath.Join(dir, f), fi)
	}
	git := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(),
			"GIT_AUTHOR_NAME=docs test", "GIT_AUTHOR_EMAIL=docs@test.invalid",
			"GIT_COMMITTER_NAME=docs test", "GIT_COMMITTER_EMAIL=docs@test.invalid",
			"GIT_AUTHOR_DATE="+cloneDate, "GIT_COMMITTER_DATE="+cloneDate)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "--no-gpg-sign", "-m", "clone")
	git("update-ref", "refs/remotes/origin/main", "HEAD")
}

// copyTree copies the directory src into dst, but for bin/ (the README
// built the binary there; the pages after it use it from there).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() && rel == "bin" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		copyFile(t, p, filepath.Join(dst, rel), fi)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string, fi os.FileInfo) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, dst); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, fi.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

// TestConfigured checks what configured takes from a page: workflow run
// steps, GitLab script items and make recipe lines, nothing else.
func TestConfigured(t *testing.T) {
	page := "```yaml\n" +
		"steps:\n" +
		"  - uses: actions/checkout@v4\n" +
		"  - run: oomguard lint deploy/\n" +
		"    if: always()\n" +
		"job:\n" +
		"  script:\n" +
		"    - oomguard test t.yaml\n" +
		"    - make check\n" +
		"  artifacts:\n" +
		"    - not a command\n" +
		"```\n" +
		"```make\n" +
		"check:\n" +
		"\toomguard generate --check -o x.yaml\n" +
		"```\n" +
		"```sh\n" +
		"run: not yaml\n" +
		"```\n"
	var got []string
	for _, s := range configured(page) {
		got = append(got, s.cmd)
	}
	want := []string{"oomguard lint deploy/", "oomguard test t.yaml", "make check", "oomguard generate --check -o x.yaml"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("configured (-want +got):\n%s", diff)
	}
}
