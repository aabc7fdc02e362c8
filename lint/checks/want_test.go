package checks_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oomguard/oomguard/config"
	"github.com/oomguard/oomguard/internal/apitest"
	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/online"
	"github.com/oomguard/oomguard/promapi"
)

// onlineNow is the time the online checks' testdata is seen from: the end
// of its six hours of series.
var onlineNow = time.Unix(0, 0).Add(6 * time.Hour)

// onlineServer serves the series of load, and the rules of rulesPath
// when it exists, as the one server of every file.
func onlineServer(t *testing.T, load, rulesPath string) *engine.Online {
	t.Helper()
	srv := apitest.New(t, load)
	if data, err := os.ReadFile(rulesPath); err == nil {
		srv.SetRules(string(data))
	} else {
		srv.SetRules(`{"groups": []}`)
	}
	c, err := promapi.New(promapi.Config{URL: srv.URL, Name: "test-server", Rate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	p := online.NewProber(c, online.Options{Now: onlineNow, Recent: time.Hour, Lookback: 6 * time.Hour})
	return &engine.Online{Servers: []engine.Server{{Prober: p}}}
}

// The checks are tested from outside the package, with the config as
// package config reads it.

func fileOf(id string) string { return strings.NewReplacer("/", "_", "-", "_").Replace(id) }

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

var wantRE = regexp.MustCompile(`# want (".*")\s*$`)

// TestChecks runs every check over each check's testdata and compares the
// findings of that check, line by line, with the # want comments there.
func TestChecks(t *testing.T) {
	for _, c := range checks.All() {
		t.Run(c.ID, func(t *testing.T) {
			path := filepath.Join("testdata", fileOf(c.ID)+".yaml")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			wants := map[int][]*regexp.Regexp{}
			sc := bufio.NewScanner(bytes.NewReader(data))
			for line := 1; sc.Scan(); line++ {
				if m := wantRE.FindStringSubmatch(sc.Text()); m != nil {
					s, err := strconv.Unquote(m[1])
					if err != nil {
						t.Fatalf("line %d: bad want: %v", line, err)
					}
					wants[line] = append(wants[line], regexp.MustCompile(s))
				}
			}
			if len(wants) == 0 {
				t.Fatal("testdata has no # want")
			}
			// A check that needs settings finds them beside its testdata.
			cfg := engine.DefaultConfig()
			if cfgPath := filepath.Join("testdata", fileOf(c.ID)+".oomguard.yaml"); fileExists(cfgPath) {
				file, err := config.Load(cfgPath, 0)
				if err != nil {
					t.Fatal(err)
				}
				cfg = file.Lint
			}
			// The check under test runs, policy check or not.
			if cfg.Enabled == nil {
				cfg.Enabled = map[string]bool{}
			}
			cfg.Enabled[c.ID] = true
			// An online check asks a server of the series beside its
			// testdata (promqltest's load format, six hours from the
			// epoch, now at their end), and its rules API answers what
			// <id>.rules.json holds.
			if load, err := os.ReadFile(filepath.Join("testdata", fileOf(c.ID)+".series")); err == nil {
				cfg.Online = onlineServer(t, string(load), filepath.Join("testdata", fileOf(c.ID)+".rules.json"))
			}
			// Through the whole pipeline, as lint runs: rule files and
			// unit-test files alike.
			res, err := engine.Inputs(engine.Options{Inputs: []string{path}, Checks: checks.All(), Config: cfg})
			if err != nil {
				t.Fatal(err)
			}
			var got []engine.Diagnostic
			for _, d := range res.Diagnostics {
				if d.Check == c.ID {
					got = append(got, d)
				}
			}
			for _, d := range got {
				matched := false
				for i, re := range wants[d.Pos.Line] {
					if re != nil && re.MatchString(d.Message) {
						wants[d.Pos.Line][i] = nil
						matched = true
						break
					}
				}
				if !matched {
					t.Errorf("unexpected finding %v", d)
				}
				if d.Check != c.ID {
					t.Errorf("finding of %s reported as %s", c.ID, d.Check)
				}
				if !d.End.IsValid() || d.End.Less(d.Pos) {
					t.Errorf("%v: end %v is not at or after the start", d, d.End)
				}
			}
			for line, res := range wants {
				for _, re := range res {
					if re != nil {
						t.Errorf("%s:%d: no finding matches %q", path, line, re)
					}
				}
			}
		})
	}
}
