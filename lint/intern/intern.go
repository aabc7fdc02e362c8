// Package intern keeps one copy of each string, list of label names and
// value that the checks across files keep of a file. Names and lists repeat
// from rule to rule, and a name cut out of a parsed expression would keep
// the whole text of the expression alive after the file is let go.
package intern

import "strings"

// Names is a list of label names, shared by the parts of a file that have
// the same list.
type Names struct{ list []string }

// All returns the names; nil for a nil list.
func (n *Names) All() []string {
	if n == nil {
		return nil
	}
	return n.list
}

// Interner keeps one copy of each string and list of names given to it.
// It is not safe for use by several goroutines at once: each file has its
// own.
type Interner struct {
	strs  map[string]string
	lists map[string]*Names
}

// New returns an empty Interner.
func New() *Interner {
	return &Interner{strs: map[string]string{}, lists: map[string]*Names{}}
}

// Str returns the kept copy of s, keeping a copy of its own (not a slice of
// a longer string) when there is none.
func (in *Interner) Str(s string) string {
	if v, ok := in.strs[s]; ok {
		return v
	}
	s = strings.Clone(s)
	in.strs[s] = s
	return s
}

// Names returns the kept list of the names ls; nil when ls is empty.
func (in *Interner) Names(ls []string) *Names {
	if len(ls) == 0 {
		return nil
	}
	key := strings.Join(ls, "\x00")
	if n, ok := in.lists[key]; ok {
		return n
	}
	n := &Names{list: make([]string, len(ls))}
	for i, l := range ls {
		n.list[i] = in.Str(l)
	}
	in.lists[in.Str(key)] = n
	return n
}

// Value returns the copy of v that m keeps, keeping v when m has none.
func Value[T comparable](m map[T]*T, v T) *T {
	if p, ok := m[v]; ok {
		return p
	}
	m[v] = &v
	return &v
}
