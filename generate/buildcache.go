package generate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"

	"github.com/oomguard/oomguard/jsonnet"
	"github.com/oomguard/oomguard/ruletest"
)

// The pack is a function of the program and the configuration: the same
// binary (whose build ID changes with any change to its code, the embedded
// jsonnet included) and the same settings evaluate to the same rules, the
// same tests and the same verdict. A build whose rules loaded and whose
// tests all passed is remembered in the user's cache directory under a key
// made of the two, so that generate with an unchanged configuration
// neither evaluates the pack nor runs its tests again. The key holds where
// each setting was written too, since the warnings name it. A failed build
// is never remembered, and whatever goes wrong with the cache is a miss,
// never an error. OOMGUARD_CACHE_DIR=off turns this off with the test
// cache (docs/pack.md).

// buildCacheVersion changes when the format of an entry or of the key does.
const buildCacheVersion = "oomguard pack build 1"

// cachedBuild is what an entry keeps of a passing build.
type cachedBuild struct {
	// Rules is the rule file the rules were loaded from (the merged JSON
	// of the evaluation), loaded again the same way on a hit.
	Rules    []byte       `json:"rules"`
	Tests    []File       `json:"tests"`
	Warnings []Warning    `json:"warnings,omitempty"`
	Report   []cachedFile `json:"report"`
}

// buildCacheDir is the directory of the entries, or "" when there is none.
func buildCacheDir() string {
	dir := testCacheDir()
	if dir == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(dir), "pack-builds")
}

// buildCacheKey is the entry's name for this configuration, built by this
// program; "" when the configuration cannot be written down.
func (c *Config) buildCacheKey() string {
	cfg, err := json.Marshal(struct {
		Overrides map[string]any
		Set       map[string]Setting
	}{c.overrides, c.set})
	if err != nil {
		return ""
	}
	h := sha256.New()
	for _, part := range []string{buildCacheVersion, programID(), string(cfg)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cachedPack returns the pack remembered under the key, or nil.
func cachedPack(dir, key string) *Pack {
	data, err := os.ReadFile(filepath.Join(dir, key))
	if err != nil {
		return nil
	}
	var e cachedBuild
	if json.Unmarshal(data, &e) != nil || len(e.Rules) == 0 || len(e.Tests) == 0 {
		return nil
	}
	groups, err := loadPackRules(e.Rules)
	if err != nil {
		return nil
	}
	report := reportOf(e.Report)
	if report == nil {
		return nil
	}
	return &Pack{Groups: groups, Tests: e.Tests, Warnings: e.Warnings, Report: report}
}

// rememberPack writes a passing build under the key, atomically.
func rememberPack(dir, key string, rules []byte, p *Pack) {
	if p.Report == nil || p.Report.Failed() {
		return
	}
	data, err := json.Marshal(cachedBuild{Rules: rules, Tests: p.Tests, Warnings: p.Warnings, Report: cachedFilesOf(p.Report)})
	if err != nil {
		return
	}
	writeEntry(dir, key, data)
}

// reportOf rebuilds a passing report from what an entry keeps of it, or
// returns nil when the entry is not whole.
func reportOf(files []cachedFile) *ruletest.Report {
	if len(files) == 0 {
		return nil
	}
	r := &ruletest.Report{}
	for _, f := range files {
		if len(f.Groups) == 0 {
			return nil
		}
		fr := &ruletest.FileReport{Path: f.Path, Warnings: f.Warnings}
		for i, name := range f.Groups {
			fr.Groups = append(fr.Groups, &ruletest.GroupReport{Name: name, Index: i})
		}
		r.Files = append(r.Files, fr)
	}
	return r
}

// cachedFilesOf is what an entry keeps of a passing report.
func cachedFilesOf(r *ruletest.Report) []cachedFile {
	var files []cachedFile
	for _, f := range r.Files {
		cf := cachedFile{Path: f.Path, Warnings: f.Warnings, Groups: []string{}}
		for _, g := range f.Groups {
			cf.Groups = append(cf.Groups, g.Name)
		}
		files = append(files, cf)
	}
	return files
}

// writeEntry writes an entry to a file of its own first, renamed into
// place, so that a run reading the entry while another writes it sees all
// of it or nothing.
func writeEntry(dir, key string, data []byte) {
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, key+".tmp-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	if cerr := tmp.Close(); werr != nil || cerr != nil || os.Rename(tmp.Name(), filepath.Join(dir, key)) != nil {
		os.Remove(tmp.Name())
		return
	}
	trimEntries(dir, maxEntries)
}

// maxEntries is the most entries a cache directory keeps: every build of
// the program has keys of its own, so the oldest go.
const maxEntries = 200

// trimEntries removes the least recently written entries of dir past the
// first max. Entries another run removes meanwhile are no matter.
func trimEntries(dir string, max int) {
	des, err := os.ReadDir(dir)
	if err != nil || len(des) <= max {
		return
	}
	type entry struct {
		name string
		mod  int64
	}
	var es []entry
	for _, de := range des {
		if info, err := de.Info(); err == nil && info.Mode().IsRegular() {
			es = append(es, entry{de.Name(), info.ModTime().UnixNano()})
		}
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].mod != es[j].mod {
			return es[i].mod > es[j].mod
		}
		return es[i].name < es[j].name
	})
	for _, e := range es[min(max, len(es)):] {
		os.Remove(filepath.Join(dir, e.name))
	}
}

// knobsOfPack is jsonnet.Knobs, remembered for this program: the knobs
// and their defaults are the embedded pack's, the same on every run of the
// same binary.
func knobsOfPack() (config, schema json.RawMessage, err error) {
	dir, key := buildCacheDir(), ""
	if dir != "" {
		h := sha256.Sum256([]byte(buildCacheVersion + " knobs\x00" + programID()))
		key = "knobs-" + hex.EncodeToString(h[:])
		var e struct{ Config, Schema json.RawMessage }
		if data, err := os.ReadFile(filepath.Join(dir, key)); err == nil && json.Unmarshal(data, &e) == nil && len(e.Config) > 0 && len(e.Schema) > 0 {
			return e.Config, e.Schema, nil
		}
	}
	config, schema, err = jsonnet.Knobs()
	if err == nil && key != "" {
		if data, err := json.Marshal(struct{ Config, Schema json.RawMessage }{config, schema}); err == nil {
			writeEntry(dir, key, data)
		}
	}
	return config, schema, err
}
