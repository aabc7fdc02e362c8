package generate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/oomguard/oomguard/rules"
)

// TestMain gives the package's tests a cache directory of their own, new
// for each run: a build the tests make runs the pack's tests for real the
// first time, whatever an earlier run of the same test binary left, and
// builds of the same configuration later in the run reuse it. The cache
// tests set directories of their own.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "oomguard-generate-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Setenv(CacheDirEnv, dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// rendered is what generate would write of a pack: the rule file, the
// tests, the warnings and the names of the groups that passed.
func rendered(t *testing.T, p *Pack) string {
	t.Helper()
	var b bytes.Buffer
	if err := rules.WriteRuleFile(&b, p.Groups, rules.WriteOptions{Encoding: rules.YAML}); err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Tests {
		fmt.Fprintf(&b, "--- %s\n%s", f.Name, f.Data)
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	for _, f := range p.Report.Files {
		for _, g := range f.Groups {
			fmt.Fprintf(&b, "passed: %s %s\n", f.Path, g.Name)
		}
	}
	return b.String()
}

// buildEntries lists the build cache's entries, the knobs' left out.
func buildEntries(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	for _, name := range cacheEntries(t, dir, "pack-builds") {
		if !strings.HasPrefix(name, "knobs-") {
			names = append(names, name)
		}
	}
	return names
}

// TestBuildCache builds the pack twice with a warning-raising setting: the
// second build comes from the cache (an entry changed on disk shows
// through), gives what the first gave, and an entry that does not decode
// is a miss that is rebuilt.
func TestBuildCache(t *testing.T) {
	slowUnderRace(t)
	dir := t.TempDir()
	t.Setenv(CacheDirEnv, dir)
	sets := []string{`cadvisorSelector=job="kubelet"`, "alerts.ContainerMemoryNearLimit.for=30m"}
	cold, err := Build(overridesOf(t, sets))
	if err != nil {
		t.Fatal(err)
	}
	if len(cold.Warnings) == 0 {
		t.Fatal("want a warning from the setting, to check that warnings are kept")
	}
	e := buildEntries(t, dir)
	if len(e) != 1 {
		t.Fatalf("entries after one build: %v", e)
	}
	warm, err := Build(overridesOf(t, sets))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rendered(t, warm), rendered(t, cold); got != want {
		t.Fatalf("cached build differs:\n%s\nwant\n%s", got, want)
	}

	// The entry is what the second build returned: change a test file in
	// it and the change shows.
	path := filepath.Join(dir, "pack-builds", e[0])
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var entry cachedBuild
	if err := json.Unmarshal(data, &entry); err != nil {
		t.Fatal(err)
	}
	entry.Tests[0].Data = []byte("# from the cache\n")
	data, _ = json.Marshal(entry)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Build(overridesOf(t, sets))
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Tests[0].Data) != "# from the cache\n" {
		t.Fatal("the second build did not come from the cache")
	}

	// Another setting is another entry; the same value written elsewhere
	// (another origin, named by the warnings) is too.
	if _, err := Build(overridesOf(t, []string{`cadvisorSelector=job="kubelet"`})); err != nil {
		t.Fatal(err)
	}
	if e := buildEntries(t, dir); len(e) != 2 {
		t.Fatalf("entries after a second configuration: %v", e)
	}

	// An entry that does not decode is a miss, rebuilt and rewritten.
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err = Build(overridesOf(t, sets))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rendered(t, p), rendered(t, cold); got != want {
		t.Fatalf("build after a broken entry differs:\n%s\nwant\n%s", got, want)
	}
	if data, _ := os.ReadFile(path); !json.Valid(data) {
		t.Fatal("the broken entry was not rewritten")
	}
}

// TestBuildCacheKeepsNoFailure checks that a configuration the build
// refuses leaves no entry, and fails again the same way.
func TestBuildCacheKeepsNoFailure(t *testing.T) {
	slowUnderRace(t)
	dir := t.TempDir()
	t.Setenv(CacheDirEnv, dir)
	set := `kubeStateMetricsSelector=job="kube-state-metrics", container!=""`
	for range 2 {
		_, err := Build(overridesOf(t, []string{set}))
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("got %v, want a config error", err)
		}
	}
	if e := buildEntries(t, dir); len(e) != 0 {
		t.Fatalf("entries after a refused build: %v", e)
	}
}

// TestBuildCacheOff checks that OOMGUARD_CACHE_DIR=off writes nothing.
func TestBuildCacheOff(t *testing.T) {
	t.Setenv(CacheDirEnv, "off")
	if d := buildCacheDir(); d != "" {
		t.Fatalf("build cache dir %q with %s=off", d, CacheDirEnv)
	}
}

// TestTrimEntries keeps the most recent entries of a directory.
func TestTrimEntries(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	for i := range 5 {
		p := filepath.Join(dir, fmt.Sprintf("e%d", i))
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now, now.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	trimEntries(dir, 3)
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, de := range des {
		got = append(got, de.Name())
	}
	if want := []string{"e2", "e3", "e4"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
}
