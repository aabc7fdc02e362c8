package checks

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"text/template/parse"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/template"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// LabelsTemplateFunction reports template functions called with the
// wrong number of arguments: the template parses, and fails each time it
// is rendered.
var LabelsTemplateFunction = &engine.Check{
	ID:       "labels/template-function",
	Title:    "A template calls a function with the wrong number of arguments",
	Severity: engine.Error,
	Doc:      doc("labels/template-function"),
	Rule: func(c *engine.RuleContext) {
		if !c.Rule.IsAlert() {
			return
		}
		templates := templatesOf(c.Memo)
		for _, m := range []struct {
			pairs rules.Map
			what  string
		}{{c.Rule.Labels, "label"}, {c.Rule.Annotations, "annotation"}} {
			for i := range m.pairs {
				p := &m.pairs[i]
				for _, call := range templates.of(&p.Value).calls {
					at := c.File.Positions(p.Value)
					c.ReportSpan(engine.Span{Start: at(call.offset), End: at(call.offset + len(call.name))}, call.hint,
						"%s %q calls %s with %s: it needs %s, so the %s renders as an error every time", m.what, p.Key.Value, call.name, plural(call.got, "argument"), call.want, m.what)
				}
			}
		}
	},
}

// arity is how many arguments a template function takes: at least min,
// and no more than min unless variadic.
type arity struct {
	min      int
	variadic bool
}

func (a arity) accepts(n int) bool { return n == a.min || a.variadic && n > a.min }

func (a arity) String() string {
	if a.variadic {
		return fmt.Sprintf("%s or more", plural(a.min, "argument"))
	}
	return plural(a.min, "argument")
}

// templateFunctions are the functions of Prometheus's alert templates with
// their arities, read from the functions the template engine itself is
// given, with the builtins of text/template that take a fixed number.
var templateFunctions = sync.OnceValue(func() map[string]arity {
	out := map[string]arity{"not": {min: 1}, "len": {min: 1}, "ne": {min: 2}, "lt": {min: 2}, "le": {min: 2}, "gt": {min: 2}, "ge": {min: 2}}
	te := template.NewTemplateExpander(context.Background(), "", "", nil, model.Time(0), nil, nil, nil)
	funcs := reflect.ValueOf(te).Elem().FieldByName("funcMap")
	for _, k := range funcs.MapKeys() {
		t := funcs.MapIndex(k).Elem().Type()
		if t.Kind() != reflect.Func {
			continue
		}
		a := arity{min: t.NumIn(), variadic: t.IsVariadic()}
		if a.variadic {
			a.min--
		}
		out[k.String()] = a
	}
	return out
})

// badCall is a call of a template function with the wrong number of
// arguments.
type badCall struct {
	name   string
	offset int // of the function's name in the text
	got    int
	want   string
	hint   string
}

// badCalls returns the calls of a template text whose number of arguments
// the function does not take; none when the text does not parse (the
// loader reports that).
func badCalls(text string) []badCall {
	if !strings.Contains(text, "{{") {
		return nil
	}
	return badCallsIn(rules.ParseTemplate(text))
}

// badCallsIn is badCalls of a template parsed (rules.ParseTemplate).
func badCallsIn(tmpl *rules.Template) []badCall {
	if tmpl.Tree == nil {
		return nil
	}
	funcs := templateFunctions()
	// As Prometheus parses it: after the definitions of $labels, $value
	// and the others.
	const defs = rules.TemplateDefs
	var out []badCall
	check := func(id *parse.IdentifierNode, got int) {
		a, ok := funcs[id.Ident]
		if !ok || a.accepts(got) {
			return
		}
		hint := ""
		if id.Ident == "value" || id.Ident == "label" || id.Ident == "strvalue" {
			hint = "for the alert's value, write $value"
		}
		out = append(out, badCall{name: id.Ident, offset: int(id.Pos) - len(defs), got: got, want: a.String(), hint: hint})
	}
	var walk func(parse.Node)
	walkPipe := func(p *parse.PipeNode) {
		if p == nil {
			return
		}
		for i, cmd := range p.Cmds {
			// A command after the first gets the value of the one before as
			// its last argument.
			piped := 0
			if i > 0 {
				piped = 1
			}
			if len(cmd.Args) > 0 {
				if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok {
					check(id, len(cmd.Args)-1+piped)
				}
			}
			for j, a := range cmd.Args {
				switch a := a.(type) {
				case *parse.IdentifierNode:
					// A function as an argument is called with none.
					if j > 0 {
						check(a, 0)
					}
				case *parse.PipeNode:
					walk(a)
				}
			}
		}
	}
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walkPipe(n.Pipe)
		case *parse.PipeNode:
			walkPipe(n)
		case *parse.IfNode:
			walkPipe(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walkPipe(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walkPipe(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walkPipe(n.Pipe)
		}
	}
	for _, t := range tmpl.Trees {
		walk(t.Root)
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if n == 0 {
		return "no " + word + "s"
	}
	return fmt.Sprintf("%d %ss", n, word)
}
