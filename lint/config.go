package lint

import (
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/oomguard/oomguard/rules"
)

// Glob is a file glob of the config: * and ? stay within a directory, **
// crosses them. A relative glob may match below any directory
// (generated/*.yaml matches /repo/generated/a.yaml).
type Glob struct{ re *regexp.Regexp }

// ParseGlob reads a glob.
func ParseGlob(g string) (Glob, error) {
	if g == "" {
		return Glob{}, errors.New("empty glob")
	}
	g = filepath.ToSlash(g)
	var b strings.Builder
	if strings.HasPrefix(g, "/") {
		b.WriteString("^")
	} else {
		g = strings.TrimPrefix(g, "./")
		b.WriteString("(^|/)")
	}
	for i := 0; i < len(g); i++ {
		switch c := g[i]; {
		case c == '*' && i+1 < len(g) && g[i+1] == '*':
			b.WriteString(".*")
			i++
			if i+1 < len(g) && g[i+1] == '/' {
				// **/ also matches no directory at all.
				b.WriteString("/?")
				i++
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return Glob{}, err
	}
	return Glob{re}, nil
}

// Match reports whether the glob matches path.
func (g Glob) Match(path string) bool {
	return g.re.MatchString(filepath.ToSlash(filepath.Clean(path)))
}

func (g Glob) String() string { return g.re.String() }

func matchAny(globs []Glob, path string) bool {
	for _, g := range globs {
		if g.Match(path) {
			return true
		}
	}
	return false
}

// Selects reports whether the include and exclude globs of the config let
// a file found in a directory or a glob be linted.
func (c *Config) Selects(path string) bool {
	return (len(c.Include) == 0 || matchAny(c.Include, path)) && !matchAny(c.Exclude, path)
}

// Ignore suppresses the findings of a check in files matching a glob, in
// a group, in a rule: what is given must all match.
type Ignore struct {
	Check, Group, Rule, Reason string
	Files                      []Glob
	// File and Pos are where the entry is written.
	File string
	Pos  rules.Pos
}

// matchesFile reports whether the entry names no files, or a glob of it
// matches path.
func (ig *Ignore) matchesFile(path string) bool {
	return len(ig.Files) == 0 || matchAny(ig.Files, path)
}

// matches reports whether the entry covers a finding.
func (ig *Ignore) matches(d Diagnostic) bool {
	return ig.Check == d.Check && (ig.Group == "" || ig.Group == d.Group) && (ig.Rule == "" || ig.Rule == d.Rule) && ig.matchesFile(d.File)
}

// Scope is a set of files loaded by one Prometheus: the checks across
// files (duplicates, recording rules read from elsewhere) look within it.
type Scope struct {
	Name string
	// Files are globs of the files; Paths the files themselves (those a
	// unit-test file or a Prometheus configuration names).
	Files []Glob
	Paths []string
	// Shared says the files of the scope are in the scope of the files of
	// no scope too: the rule files a unit-test file reads from another
	// directory are also those deployed.
	Shared bool
}

// has reports whether the scope holds the file at path.
func (s *Scope) has(path string) bool {
	if matchAny(s.Files, path) {
		return true
	}
	if len(s.Paths) == 0 {
		return false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	return slices.Contains(s.Paths, abs)
}
