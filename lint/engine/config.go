package engine

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/oomguard/oomguard/rules"
)

// Glob is a file glob of the config: * and ? stay within a directory, **
// crosses them; [...] classes and \ escapes are those of the command
// line's globs (path.Match). A relative glob may match below any directory
// (generated/*.yaml matches /repo/generated/a.yaml).
type Glob struct{ re *regexp.Regexp }

// ParseGlob reads a glob. A glob that is not well formed (an unclosed [, a
// trailing \) is an error: taken literally, it would match nothing and say
// nothing.
func ParseGlob(g string) (Glob, error) {
	if g == "" {
		return Glob{}, errors.New("empty glob")
	}
	g = filepath.ToSlash(g)
	if _, err := path.Match(g, ""); err != nil {
		return Glob{}, errors.New("not a well-formed glob (an unclosed [ or a trailing \\?)")
	}
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
		case c == '\\' && i+1 < len(g):
			i++
			b.WriteString(regexp.QuoteMeta(string(g[i])))
		case c == '[':
			n := globClass(&b, g[i+1:])
			i += n
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

// globClass writes the class that follows a [ in a glob, as a regexp
// class that never matches /, and returns the bytes it read up to and
// including the closing ]. The glob is well formed (path.Match said so).
func globClass(b *strings.Builder, g string) int {
	i := 0
	b.WriteString("[")
	if i < len(g) && g[i] == '^' {
		b.WriteString("^/")
		i++
	}
	for i < len(g) && g[i] != ']' { // a class ends at its first unescaped ]
		lo, n := classChar(g[i:])
		i += n
		fmt.Fprintf(b, `\x{%x}`, lo)
		if i+1 < len(g) && g[i] == '-' && g[i+1] != ']' {
			hi, n := classChar(g[i+1:])
			i += 1 + n
			fmt.Fprintf(b, `-\x{%x}`, hi)
		}
	}
	b.WriteString("]")
	return i + 1
}

// classChar reads one character of a class, escaped or not.
func classChar(g string) (rune, int) {
	n := 0
	if g[0] == '\\' {
		n = 1
	}
	r, size := utf8.DecodeRuneInString(g[n:])
	return r, n + size
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
