package generate

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const cacheRules = `groups:
- name: g
  rules:
  - record: x:sum
    expr: sum(x)
`

// cacheTests is a test file for cacheRules whose only group asserts value.
func cacheTests(name, value string) []File {
	return []File{{Name: "pack_test.yaml", Data: []byte(`rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
- name: ` + name + `
  interval: 1m
  input_series:
  - series: 'x{a="1"}'
    values: '1 2 3'
  promql_expr_test:
  - expr: x:sum
    eval_time: 2m
    exp_samples:
    - labels: 'x:sum'
      value: ` + value + `
`)}}
}

// entries lists the test cache's files.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	return cacheEntries(t, dir, "pack-tests")
}

// cacheEntries lists the files of one cache directory under dir.
func cacheEntries(t *testing.T, dir, sub string) []string {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(dir, sub))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func groupNames(t *testing.T, dir string, rules []byte, tests []File) (names []string, failed bool) {
	t.Helper()
	r, err := runTests(rules, tests)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Files {
		for _, g := range f.Groups {
			names = append(names, g.Name)
		}
	}
	return names, r.Failed()
}

func TestFindBuildID(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"\x7fELF....\xff Go build ID: \"abc/def/ghi\"\n \xff....", "abc/def/ghi"},
		{"no id here", ""},
		{"\xff Go build ID: \"unterminated", ""},
		{"\xff Go build ID: \"\"\n \xff", ""},
	} {
		if got := findBuildID([]byte(c.in)); got != c.want {
			t.Errorf("findBuildID(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	note := func(name string, typ uint32, desc string) []byte {
		var b []byte
		b = binary.LittleEndian.AppendUint32(b, uint32(len(name)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(desc)))
		b = binary.LittleEndian.AppendUint32(b, typ)
		return append(append(b, name...), desc...)
	}
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{note("Go\x00\x00", 4, "abc/def"), "abc/def"},
		{note("Go\x00\x00", 3, "abc/def"), ""},
		{note("GNU\x00", 4, "abc/def"), ""},
		{note("Go\x00\x00", 4, "abc/def")[:20], ""},
		{[]byte("short"), ""},
	} {
		if got := elfNoteBuildID(c.in, binary.LittleEndian); got != c.want {
			t.Errorf("elfNoteBuildID(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// The test binary is a Go executable like oomguard: its ID is found.
	if programID() == "" {
		t.Fatal("no build ID in the running program")
	}
}

func TestPackTestCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(CacheDirEnv, dir)
	rules := []byte(cacheRules)

	// A passing run is remembered, once.
	names, failed := groupNames(t, dir, rules, cacheTests("pass", "3"))
	if failed || len(names) != 1 || names[0] != "pass" {
		t.Fatalf("first run: %v failed=%v", names, failed)
	}
	if e := entries(t, dir); len(e) != 1 {
		t.Fatalf("entries after a passing run: %v", e)
	}
	key := testCacheKey(rules, cacheTests("pass", "3"))

	// The entry is what the next run reports: rewritten by hand, the
	// group's name in it comes back.
	entry := filepath.Join(dir, "pack-tests", key)
	if err := os.WriteFile(entry, []byte(`[{"path":"pack_test.yaml","groups":["from the cache"]}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	if names, failed := groupNames(t, dir, rules, cacheTests("pass", "3")); failed || len(names) != 1 || names[0] != "from the cache" {
		t.Fatalf("cached run: %v failed=%v", names, failed)
	}

	// An entry that does not decode is a miss: the tests run and the
	// entry is written again.
	for _, bad := range []string{"", "{", `[]`, `[{"path":"pack_test.yaml","groups":[]}]`} {
		if err := os.WriteFile(entry, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if names, failed := groupNames(t, dir, rules, cacheTests("pass", "3")); failed || len(names) != 1 || names[0] != "pass" {
			t.Fatalf("entry %q: %v failed=%v", bad, names, failed)
		}
		if data, _ := os.ReadFile(entry); !strings.Contains(string(data), `"pass"`) {
			t.Fatalf("entry %q not written again: %q", bad, data)
		}
	}

	// A failing run is run every time and never remembered.
	for range 2 {
		if _, failed := groupNames(t, dir, rules, cacheTests("fail", "4")); !failed {
			t.Fatal("a failing test passed")
		}
	}
	if e := entries(t, dir); len(e) != 1 {
		t.Fatalf("entries after failing runs: %v", e)
	}

	// Another rule file or test file is another key.
	other := []byte(strings.Replace(cacheRules, "sum(x)", "sum(x) * 1", 1))
	if _, failed := groupNames(t, dir, other, cacheTests("pass", "3")); failed {
		t.Fatal("the other rule file fails")
	}
	if _, failed := groupNames(t, dir, rules, cacheTests("pass too", "3")); failed {
		t.Fatal("the other test file fails")
	}
	if e := entries(t, dir); len(e) != 3 {
		t.Fatalf("entries: %v", e)
	}
}

// Runs at once on a cold cache all pass, and leave one whole entry and no
// temporary file.
func TestPackTestCacheConcurrent(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(CacheDirEnv, dir)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			r, err := runTests([]byte(cacheRules), cacheTests("pass", "3"))
			if err != nil || r.Failed() || len(r.Files) != 1 || len(r.Files[0].Groups) != 1 {
				errs <- "a run did not pass"
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if e := entries(t, dir); len(e) != 1 {
		t.Fatalf("entries: %v", e)
	}
}

func TestPackTestCacheOff(t *testing.T) {
	t.Setenv(CacheDirEnv, "off")
	if d := testCacheDir(); d != "" {
		t.Fatalf("cache dir %q with %s=off", d, CacheDirEnv)
	}
	if _, failed := groupNames(t, "", []byte(cacheRules), cacheTests("pass", "3")); failed {
		t.Fatal("failed")
	}
}

// BenchmarkBuild is oomguard generate's work on the pack with the defaults:
// evaluation, loading, checks and the pack's tests, run each time (cache
// off) or remembered (cache warm).
func BenchmarkBuild(b *testing.B) {
	for _, c := range []struct{ name, dir string }{{"cache off", "off"}, {"cache warm", b.TempDir()}} {
		b.Run(c.name, func(b *testing.B) {
			b.Setenv(CacheDirEnv, c.dir)
			if _, err := Build(Overrides{}); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := Build(Overrides{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
