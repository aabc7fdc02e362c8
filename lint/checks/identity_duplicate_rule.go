package checks

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/lint/intern"
	"github.com/oomguard/oomguard/lint/matchers"
	"github.com/oomguard/oomguard/lint/summary"
	"github.com/oomguard/oomguard/rules"
)

// IdentityDuplicateRule reports rules defined twice.
var IdentityDuplicateRule = &lint.Check{
	ID:       "identity/duplicate-rule",
	Title:    "A rule defined twice",
	Severity: lint.Warning,
	Doc:      doc("identity/duplicate-rule"),
	File: func(c *lint.FileContext) {
		summary.KeepWith(c, identitiesOf(c))
	},
	Files: func(c *lint.FilesContext) {
		type seen struct {
			file string
			pos  rules.Pos
			id   *identity
		}
		byKey := map[string][]seen{}
		for _, p := range summary.Parts[[]identity](c) {
			for i := range p.Rules {
				r, id := &p.Rules[i], &p.Own[i]
				key := id.key(r)
				for _, w := range byKey[key] {
					if !matchers.DisjointOutputs(w.id.outputs, id.outputs, id.static.All()) {
						kind := "recording rule"
						if r.Alert {
							kind = "alert"
						}
						c.ReportSpan(p.Path, p.Groups[r.Group].Name, r.Name, r.NameSpan.Span(), "", "%s %q is already defined at %s:%s", kind, r.Name, w.file, w.pos)
						break
					}
				}
				byKey[key] = append(byKey[key], seen{p.Path, r.NameSpan.Start(), id})
			}
		}
	},
}

// identity is what identity/duplicate-rule keeps of a rule besides its
// summary: its static labels and what it returns.
type identity struct {
	// staticKey is the part of the rule's key its static labels make, and
	// static their names.
	staticKey string
	static    *intern.Names
	// outputs is what the series the expression returns are told apart
	// by.
	outputs *matchers.Outputs
}

// key is the kind, name and static labels of a rule: rules with different
// keys never write the same series.
func (id *identity) key(r *summary.Rule) string {
	kind := "recording rule"
	if r.Alert {
		kind = "alert"
	}
	return kind + "\x00" + r.Name + id.staticKey
}

// identitiesOf returns the identity of every rule of the file, in the
// order of the summary's rules.
func identitiesOf(c *lint.FileContext) []identity {
	in := intern.New()
	kept := matchers.NewKept(in)
	out := make([]identity, 0, c.File.Rules())
	var matched []string
	for _, g := range c.File.Groups() {
		for _, r := range g.Rules {
			static := staticLabels(g, r)
			names := make([]string, 0, len(static))
			for l := range static {
				names = append(names, l)
			}
			slices.Sort(names)
			id := identity{staticKey: in.Str(staticKey(static)), static: in.Names(names)}
			if r.Parsed != nil {
				// The labels the matchers name: those the outputs can
				// tell apart.
				matched = matched[:0]
				parser.Inspect(r.Parsed, func(n parser.Node, _ []parser.Node) error {
					if vs, ok := n.(*parser.VectorSelector); ok {
						for _, m := range vs.LabelMatchers {
							matched = append(matched, m.Name)
						}
					}
					return nil
				})
				slices.Sort(matched)
				id.outputs = kept.Of(r.Parsed, slices.Compact(matched))
			}
			out = append(out, id)
		}
	}
	return out
}

// staticLabels returns the labels a rule sets on what it writes: those of
// its group, overridden by its own.
func staticLabels(g *rules.Group, r *rules.Rule) map[string]string {
	out := map[string]string{}
	for _, p := range g.Labels {
		out[p.Key.Value] = p.Value.Value
	}
	for _, p := range r.Labels {
		out[p.Key.Value] = p.Value.Value
	}
	return out
}

// staticKey is the part of a rule's key its static labels make.
func staticKey(static map[string]string) string {
	keys := make([]string, 0, len(static))
	for k := range static {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, static[k])
	}
	return b.String()
}
