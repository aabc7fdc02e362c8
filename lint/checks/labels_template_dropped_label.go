package checks

import (
	"strings"
	"text/template/parse"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/intern"
	"github.com/oomguard/oomguard/lint/labelflow"
	"github.com/oomguard/oomguard/lint/summary"
	"github.com/oomguard/oomguard/rules"
)

// LabelsTemplateDroppedLabel reports alert templates that read a label the
// alert's expression cannot return.
var LabelsTemplateDroppedLabel = &engine.Check{
	ID:       "labels/template-dropped-label",
	Title:    "A template reads a label the alert's expression removed",
	Severity: engine.Warning,
	Doc:      doc("labels/template-dropped-label"),
	File: func(c *engine.FileContext) {
		summary.KeepWith(c, templateRefsOf(c))
	},
	Files: func(c *engine.FilesContext) {
		ls := summary.LabelSets(c)
		for _, p := range summary.Parts[[]alertRefs](c) {
			for _, a := range p.Own {
				r := &p.Rules[a.rule]
				result := ls.Of(r.Flow)
				for _, ref := range a.refs {
					if !result.CanHave(ref.label) {
						c.ReportSpan(p.Path, p.Groups[r.Group].Name, r.Name, ref.span.Span(), "add "+ref.label+" to the by (...) of the expression, or drop it from the text",
							"%s %q reads $labels.%s, which the expression does not return (%s): it renders empty", ref.what(), ref.key, ref.label, result.Why(ref.label))
						continue
					}
					// The union of the sides of an or can carry the
					// label while the side that fires does not.
					for _, alt := range a.alts {
						if s := ls.Of(alt); !s.CanHave(ref.label) {
							c.ReportSpan(p.Path, p.Groups[r.Group].Name, r.Name, ref.span.Span(), "read it under {{ if $labels."+ref.label+" }}, or give that side of the or the label",
								"%s %q reads $labels.%s, which one side of an or does not return (%s): it renders empty when that side fires", ref.what(), ref.key, ref.label, s.Why(ref.label))
							break
						}
					}
				}
			}
		}
	},
}

// alertRefs are the labels the templates of an alert read from $labels.
type alertRefs struct {
	rule int32 // index in summary.Summary.Rules
	refs []templateRef
	// alts are the sides of the or operations whose series the alert
	// returns as they are, when there are several (labelflow.Alternatives).
	alts []*labelflow.Node
}

// templateRef is a label a template of an alert's label or annotation
// reads.
type templateRef struct {
	annotation bool // of an annotation, not a label
	key        string
	label      string
	span       summary.Span
}

func (t templateRef) what() string {
	if t.annotation {
		return "annotation"
	}
	return "label"
}

// templateRefsOf returns the labels the templates of the file's alerts
// read, for the alerts whose expression parses.
func templateRefsOf(c *engine.FileContext) []alertRefs {
	in := intern.New()
	flows := labelflow.NewBuilder(in)
	templates := templatesOf(c.Memo)
	var out []alertRefs
	i := int32(-1)
	for _, g := range c.File.Groups() {
		for _, r := range g.Rules {
			i++
			if !r.IsAlert() || r.Parsed == nil {
				continue
			}
			var refs []templateRef
			for _, m := range []struct {
				pairs      rules.Map
				annotation bool
			}{{r.Labels, false}, {r.Annotations, true}} {
				for j := range m.pairs {
					p := &m.pairs[j]
					read := templates.of(&p.Value).refs
					if len(read) == 0 {
						continue
					}
					at := c.File.Positions(p.Value)
					for _, ref := range read {
						refs = append(refs, templateRef{annotation: m.annotation, key: in.Str(p.Key.Value), label: in.Str(ref.label),
							span: summary.SpanOf(c.Span(g, r, engine.Span{Start: at(ref.offset), End: at(ref.end)}))})
					}
				}
			}
			if len(refs) > 0 {
				a := alertRefs{rule: i, refs: refs}
				if alts := labelflow.Alternatives(r.Parsed); len(alts) > 1 {
					for _, e := range alts {
						a.alts = append(a.alts, flows.Node(e))
					}
				}
				out = append(out, a)
			}
		}
	}
	return out
}

type labelRef struct {
	label string
	// offset and end delimit the first read in the text.
	offset, end int
}

// labelRefsIn returns the labels a template reads from $labels, with the
// offset of each first read, leaving out labels tested by an if or a with:
// of text, parsed as tmpl (rules.ParseTemplate).
func labelRefsIn(text string, tmpl *rules.Template) []labelRef {
	const defs = rules.TemplateDefs
	t := tmpl.Tree
	if t == nil {
		return nil // the loader reports templates that do not parse
	}
	var refs []labelRef
	tested := map[string]bool{}
	seen := map[string]bool{}
	var walk func(n parse.Node, test bool)
	read := func(label string, pos parse.Pos, size int, test bool) {
		if test {
			tested[label] = true
			return
		}
		if !seen[label] {
			seen[label] = true
			refs = append(refs, labelRef{label, int(pos) - len(defs), int(pos) - len(defs) + size})
		}
	}
	walkPipe := func(p *parse.PipeNode, test bool) {
		if p != nil {
			walk(p, test)
		}
	}
	walk = func(n parse.Node, test bool) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c, test)
				}
			}
		case *parse.ActionNode:
			walkPipe(n.Pipe, test)
		case *parse.IfNode:
			walkPipe(n.Pipe, true)
			walk(n.List, test)
			walk(n.ElseList, test)
		case *parse.WithNode:
			walkPipe(n.Pipe, true)
			walk(n.List, test)
			walk(n.ElseList, test)
		case *parse.RangeNode:
			walkPipe(n.Pipe, test)
			walk(n.List, test)
			walk(n.ElseList, test)
		case *parse.TemplateNode:
			walkPipe(n.Pipe, test)
		case *parse.PipeNode:
			for _, c := range n.Cmds {
				walk(c, test)
			}
		case *parse.CommandNode:
			// index $labels "x"
			if len(n.Args) == 3 {
				if id, ok := n.Args[0].(*parse.IdentifierNode); ok && id.Ident == "index" {
					if v, ok := n.Args[1].(*parse.VariableNode); ok && len(v.Ident) == 1 && v.Ident[0] == "$labels" {
						if s, ok := n.Args[2].(*parse.StringNode); ok {
							read(s.Text, n.Pos, int(s.Pos)+len(s.Quoted)-int(n.Pos), test)
							return
						}
					}
				}
			}
			for _, a := range n.Args {
				walk(a, test)
			}
		case *parse.VariableNode:
			if len(n.Ident) >= 2 && n.Ident[0] == "$labels" {
				// With fields, the node is at its first field: step back
				// to $labels.
				at := n.Pos
				if p := int(at) - len(defs) - len("$labels"); p >= 0 && strings.HasPrefix(text[p:], "$labels.") {
					at -= parse.Pos(len("$labels"))
				}
				read(n.Ident[1], at, len("$labels.")+len(n.Ident[1]), test)
			}
		case *parse.ChainNode:
			walk(n.Node, test)
		}
	}
	walk(t.Root, false)
	var out []labelRef
	for _, r := range refs {
		if !tested[r.label] && r.offset >= 0 {
			out = append(out, r)
		}
	}
	return out
}
