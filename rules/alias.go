package rules

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"

	"github.com/oomguard/oomguard/internal/limit"
)

// What aliases may add to a document: as much as the document holds itself,
// or, for a small document, 100,000 nodes and 4 MiB of text. The loader and
// every check after it work on the document as expanded; without a bound,
// a few kilobytes of aliases (a "billion laughs") stand for millions of
// rules. The bound is on the input, not on the time: a document is
// measured, without expanding it, before it is decoded.
const (
	// DefaultMaxAliasNodes is the most nodes aliases may add to a
	// document that holds fewer itself (--max-alias-nodes).
	DefaultMaxAliasNodes = 100_000
	// DefaultMaxAliasBytes is the most bytes of text aliases may add to a
	// document that holds less itself (--max-alias-bytes).
	DefaultMaxAliasBytes = 4 << 20
)

func (o Options) maxAliasNodes() int64 { return limit.Or(o.MaxAliasNodes, DefaultMaxAliasNodes) }

func (o Options) maxAliasBytes() int64 { return limit.Or(o.MaxAliasBytes, DefaultMaxAliasBytes) }

// size is what a part of a document holds: nodes, and bytes of scalar
// text.
type size struct{ nodes, bytes int64 }

func (s size) add(t size) size { return size{sat(s.nodes + t.nodes), sat(s.bytes + t.bytes)} }

// sat keeps sizes from overflowing: past 2^50 the exact number no longer
// matters.
func sat(n int64) int64 { return min(n, 1<<50) }

// expansion measures a document as written and as its aliases expand it.
type expansion struct {
	// expanded is the size of an anchored node with its aliases
	// expanded, worked out once per anchor.
	expanded map[*yaml.Node]size
	// open marks nodes being measured: an alias to one is a cycle.
	open map[*yaml.Node]bool
}

// checkAliases returns an error at the first alias that takes the
// document's expansion past the bound, or nil.
func (d *decoder) checkAliases(root *yaml.Node) *Error {
	x := &expansion{expanded: map[*yaml.Node]size{}, open: map[*yaml.Node]bool{}}
	own := ownSize(root)
	limit := size{max(own.nodes, d.opts.maxAliasNodes()), max(own.bytes, d.opts.maxAliasBytes())}
	var extra size
	var found *Error
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || found != nil {
			return
		}
		if n.Kind == yaml.AliasNode {
			full, ok := x.size(n.Alias)
			// The alias itself was one node of the document.
			extra = extra.add(size{full.nodes - 1, full.bytes})
			switch {
			case !ok:
				found = &Error{File: d.path, Pos: nodePos(n), Msg: fmt.Sprintf("yaml: alias *%s refers to a node that holds it", n.Value)}
			case extra.nodes > limit.nodes:
				found = &Error{File: d.path, Pos: nodePos(n), Msg: fmt.Sprintf(
					"yaml: aliases expand the document by more than %d nodes (it holds %d itself): refusing to read it (--max-alias-nodes raises the limit)", limit.nodes, own.nodes)}
			case extra.bytes > limit.bytes:
				found = &Error{File: d.path, Pos: nodePos(n), Msg: fmt.Sprintf(
					"yaml: aliases expand the document by more than %d bytes of text (it holds %d itself): refusing to read it (--max-alias-bytes raises the limit)", limit.bytes, own.bytes)}
			}
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	return found
}

// ownSize is the size of n as written: aliases count as one node.
func ownSize(n *yaml.Node) size {
	s := size{1, int64(len(n.Value))}
	if n.Kind == yaml.AliasNode {
		s.bytes = 0
	}
	for _, c := range n.Content {
		s = s.add(ownSize(c))
	}
	return s
}

// size is the size of n with its aliases expanded; false for a cycle.
func (x *expansion) size(n *yaml.Node) (size, bool) {
	if n == nil {
		return size{}, true
	}
	if n.Kind == yaml.AliasNode {
		return x.size(n.Alias)
	}
	if s, ok := x.expanded[n]; ok {
		return s, true
	}
	if x.open[n] {
		return size{}, false
	}
	x.open[n] = true
	s := size{1, int64(len(n.Value))}
	for _, c := range n.Content {
		cs, ok := x.size(c)
		if !ok {
			return size{}, false
		}
		s = s.add(cs)
	}
	delete(x.open, n)
	x.expanded[n] = s
	return s, true
}
