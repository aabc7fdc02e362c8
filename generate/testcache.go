package generate

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"

	"github.com/oomguard/oomguard/ruletest"
)

// The pack's unit tests give the same report for the same rule file, the
// same test file and the same program. A run whose tests all passed is
// remembered in the user's cache directory under a key made of the three,
// so that generate with an unchanged configuration does not run them
// again. Only passing runs are kept: a failure is always run afresh, so
// that its messages are the program's of the moment. Whatever goes wrong
// with the cache (no cache directory, a file that cannot be read or
// written, an entry that does not decode) is a miss, never an error.

// CacheDirEnv names the variable that overrides the cache directory;
// "off" turns the cache off.
const CacheDirEnv = "OOMGUARD_CACHE_DIR"

// testCacheVersion changes when the format of an entry or of the key does.
const testCacheVersion = "oomguard pack tests 1"

// cachedFile is what an entry keeps of a file's report: enough to rebuild
// a passing one (names, order, warnings), no failures and no timings.
type cachedFile struct {
	Path     string   `json:"path"`
	Warnings []string `json:"warnings,omitempty"`
	Groups   []string `json:"groups"`
}

// testCacheDir is the directory of the entries, or "" when there is none.
func testCacheDir() string {
	dir := os.Getenv(CacheDirEnv)
	if dir == "off" {
		return ""
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "oomguard")
	}
	if programID() == "" {
		return ""
	}
	return filepath.Join(dir, "pack-tests")
}

// testCacheKey is the entry's name for a rule file and the test files, run
// by this program.
func testCacheKey(ruleFile []byte, tests []File) string {
	h := sha256.New()
	parts := [][]byte{[]byte(testCacheVersion), []byte(programID()), ruleFile}
	for _, t := range tests {
		parts = append(parts, []byte(t.Name), t.Data)
	}
	for _, part := range parts {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cachedReport returns the report remembered for the key, or nil.
func cachedReport(dir, key string) *ruletest.Report {
	data, err := os.ReadFile(filepath.Join(dir, key))
	if err != nil {
		return nil
	}
	var files []cachedFile
	if err := json.Unmarshal(data, &files); err != nil {
		return nil
	}
	return reportOf(files)
}

// rememberReport writes a passing report under the key.
func rememberReport(dir, key string, r *ruletest.Report) {
	if r.Failed() {
		return
	}
	data, err := json.Marshal(cachedFilesOf(r))
	if err != nil {
		return
	}
	writeEntry(dir, key, data)
}

var (
	programIDOnce sync.Once
	programIDVal  string
)

// programID is the Go build ID of the running program, which changes with
// any change to its code or build, or "" when it cannot be read (then
// nothing is cached). The linker writes it in an ELF note (.note.go.buildid)
// on ELF systems, and elsewhere near the start of the text, as
// `\xff Go build ID: "..."\n \xff`.
func programID() string {
	programIDOnce.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			return
		}
		f, err := os.Open(exe)
		if err != nil {
			return
		}
		defer f.Close()
		if ef, err := elf.NewFile(f); err == nil {
			if s := ef.Section(".note.go.buildid"); s != nil {
				if data, err := s.Data(); err == nil {
					programIDVal = elfNoteBuildID(data, ef.ByteOrder)
				}
			}
			return
		}
		buf := make([]byte, 64<<10)
		n, _ := f.ReadAt(buf, 0)
		programIDVal = findBuildID(buf[:n])
	})
	return programIDVal
}

// elfNoteBuildID reads the build ID from a .note.go.buildid section: a
// note named "Go" of type 4.
func elfNoteBuildID(data []byte, order binary.ByteOrder) string {
	if len(data) < 16 {
		return ""
	}
	namesz, descsz, typ := order.Uint32(data), order.Uint32(data[4:]), order.Uint32(data[8:])
	if namesz != 4 || typ != 4 || string(data[12:16]) != "Go\x00\x00" || uint64(descsz) > uint64(len(data)-16) {
		return ""
	}
	return string(data[16 : 16+descsz])
}

var (
	buildIDStart = []byte("\xff Go build ID: \"")
	buildIDEnd   = []byte("\"\n \xff")
)

// findBuildID reads the build ID from the start of a non-ELF executable.
func findBuildID(data []byte) string {
	i := bytes.Index(data, buildIDStart)
	if i < 0 {
		return ""
	}
	rest := data[i+len(buildIDStart):]
	j := bytes.Index(rest, buildIDEnd)
	if j <= 0 || j > 1024 {
		return ""
	}
	return string(rest[:j])
}
