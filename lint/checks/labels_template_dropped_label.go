package checks

import (
	"strings"
	"text/template/parse"

	"github.com/oomguard/oomguard/lint"
)

// LabelsTemplateDroppedLabel reports alert templates that read a label the
// alert's expression cannot return.
var LabelsTemplateDroppedLabel = &lint.Check{
	ID:       "labels/template-dropped-label",
	Title:    "A template reads a label the alert's expression removed",
	Severity: lint.Warning,
	Doc: `In an alert's labels and annotations, ` + "`$labels`" + ` holds the labels of the series
the expression returned. When the expression aggregates, only the ` + "`by (...)`" + `
labels are left (and a one-to-one ` + "`/ on (...)`" + ` keeps only its ` + "`on`" + ` labels), so
` + "`{{ $labels.pod }}`" + ` after ` + "`sum by (namespace)`" + ` renders empty: "pod  uses 95% of
its limit". Add the label to the ` + "`by (...)`" + `, or leave it out of the text.

The check follows labels through aggregations, joins, ` + "`label_replace`" + ` and the
recording rules of the files linted, as ` + "`promql/join-dropped-label`" + ` does. A
label read under ` + "`{{ if $labels.x }}`" + ` or ` + "`{{ with $labels.x }}`" + ` is taken as
handled. The alert's own ` + "`labels:`" + ` are not in ` + "`$labels`" + `: Prometheus adds
them after the templates are expanded.`,
	File: keepSummary,
	Files: func(c *lint.FilesContext) {
		sums := summaries(c)
		ls := newLabelSets(recordingRulesOf(c))
		for _, s := range sums {
			for _, r := range s.rules {
				if !r.alert || !r.parsed {
					continue
				}
				result := ls.of(r.flow)
				for _, ref := range r.refs {
					if result.canHave(ref.label) {
						continue
					}
					c.ReportSpan(s.path, s.groups[r.group].name, r.name, ref.span.span(), "add "+ref.label+" to the by (...) of the expression, or drop it from the text",
						"%s %q reads $labels.%s, which the expression does not return (%s): it renders empty", ref.what(), ref.key, ref.label, result.why(ref.label))
				}
			}
		}
	},
}

type labelRef struct {
	label string
	// offset and end delimit the first read in the text.
	offset, end int
}

// templateLabelRefs returns the labels a template reads from $labels,
// with the offset of each first read, leaving out labels tested by an if
// or a with.
func templateLabelRefs(text string) []labelRef {
	if !strings.Contains(text, "$labels") {
		return nil
	}
	const defs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	t := parse.New("t")
	t.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := t.Parse(defs+text, "{{", "}}", trees); err != nil {
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
