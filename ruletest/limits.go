package ruletest

import (
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/oomguard/oomguard/rules"

	"github.com/oomguard/oomguard/internal/limit"
)

// A test file can ask for any amount of work in a few bytes: a series of a
// billion samples ("0+1x1000000000"), a hundred years of evaluation, an
// evaluation interval of a millisecond, an annotation that loops a billion
// times or calls templates that call each other. promtool runs out of
// memory or time on each. These limits refuse such a test group before any
// of it runs, with a message that names the group and the limit; the other
// groups run.

// Limits bound the work of one test group. Zero fields take the defaults.
type Limits struct {
	// InputSamples bounds the samples the input series of a test group
	// expand to (blanks are not samples).
	InputSamples int
	// EvalSteps bounds the evaluation steps of a test group: its last
	// eval_time over the evaluation interval.
	EvalSteps int
	// TemplateSteps bounds the steps (text, actions, loop turns, template
	// calls) one label or annotation template of an alert can take at
	// worst, and TemplateBytes the text it can write at worst, not
	// counting what it prints from the data (which the input bounds).
	TemplateSteps int
	TemplateBytes int
}

// The defaults: a week of one-minute samples for 500 series; ten weeks of
// one-minute steps; templates far beyond what alerts write, far below what
// takes a second or a mebibyte.
const (
	DefaultInputSamples  = 5_000_000
	DefaultEvalSteps     = 100_000
	DefaultTemplateSteps = 1_000_000
	DefaultTemplateBytes = 1 << 20
)

func (l Limits) withDefaults() Limits {
	return Limits{
		InputSamples:  limit.Or(l.InputSamples, DefaultInputSamples),
		EvalSteps:     limit.Or(l.EvalSteps, DefaultEvalSteps),
		TemplateSteps: limit.Or(l.TemplateSteps, DefaultTemplateSteps),
		TemplateBytes: limit.Or(l.TemplateBytes, DefaultTemplateBytes),
	}
}

// groupLimit checks a test group's input and steps against the limits; it
// returns the message of the first limit exceeded, or "".
func (c *config) groupLimit(pf *preparedFile, tg testGroup, name string) string {
	var samples uint64
	for _, s := range tg.InputSeries {
		samples = addSat(samples, seriesSamples(s.Values, false))
	}
	if samples > uint64(c.limits.InputSamples) {
		return fmt.Sprintf("test group %s: its input series expand to %s samples, more than the limit of %d (--max-input-samples raises it)",
			name, countString(samples), c.limits.InputSamples)
	}
	steps := uint64(maxEvalTime(tg)/pf.evalInterval) + 1
	if steps > uint64(c.limits.EvalSteps) {
		return fmt.Sprintf("test group %s: evaluating it up to %v every %v takes %s steps, more than the limit of %d (--max-eval-steps raises it)",
			name, fmtDuration(maxEvalTime(tg)), fmtDuration(pf.evalInterval), countString(steps), c.limits.EvalSteps)
	}
	return ""
}

func countString(n uint64) string {
	if n == math.MaxUint64 {
		return "more than 18 quintillion"
	}
	return strconv.FormatUint(n, 10)
}

func addSat(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return math.MaxUint64
	}
	return s
}

func mulSat(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}

// seriesSamples bounds the values a values string of the series notation
// holds once read, without reading it: a value is one, a value followed by
// xN (a+bxN, a-bxN, axN, a histogram and its increment) is N+1. Blanks (_
// and _xN) count only with blanks: oomguard does not hold them (see
// parseValues), so a long gap between the samples a test writes costs
// nothing; the series parser, which promqltest's loader uses, holds each.
func seriesSamples(values string, blanks bool) uint64 {
	var n uint64
	for _, item := range seriesItems(values) {
		if k, blank := blankCount(item); blank {
			if blanks {
				n = addSat(n, k)
			}
			continue
		}
		// A histogram's fields are inside {{ }}: its repeat count after.
		if i := strings.LastIndex(item, "}}"); i >= 0 {
			item = item[i+2:]
		}
		count := uint64(1)
		if i := strings.LastIndexByte(item, 'x'); i >= 0 && i+1 < len(item) {
			digits := item[i+1:]
			if strings.Trim(digits, "0123456789") == "" {
				times, err := strconv.ParseUint(digits, 10, 64)
				if err != nil {
					times = math.MaxUint64
				}
				count = addSat(times, 1)
			}
		}
		n = addSat(n, count)
	}
	return n
}

// templateFuncs are the names of the functions of Prometheus's alert
// templates, for parsing them.
var templateFuncs = func() template.FuncMap {
	fm := template.FuncMap{}
	for _, name := range []string{"query", "first", "label", "value", "strvalue", "args", "reReplaceAll", "safeHtml",
		"match", "title", "toUpper", "toLower", "graphLink", "tableLink", "sortByLabel", "stripPort", "stripDomain",
		"humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "toTime",
		"toDuration", "now", "pathPrefix", "externalURL", "parseDuration", "urlQueryEscape"} {
		fm[name] = func(...any) any { return nil }
	}
	return fm
}()

// templateDefs are the variables the rules manager declares before an
// alert's template.
const templateDefs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

// rangeTurns is what a loop over data counts for: the engine returns at
// most 10,000 samples to a query, and labels and strings of the input are
// bounded by the input.
const rangeTurns = 10_000

// templateLimits checks the label and annotation templates of the alerts
// of a rule file against the limits, at their worst; it returns a message
// for each template over them.
func (c *config) templateLimits(f *rules.File) []string {
	var out []string
	for _, g := range f.Groups() {
		for _, r := range g.Rules {
			if !r.IsAlert() {
				continue
			}
			for _, kind := range []struct {
				what string
				m    rules.Map
			}{{"label", r.Labels}, {"annotation", r.Annotations}} {
				for _, p := range kind.m {
					if msg := c.templateLimit(r.Alert.Value, p.Value.Value); msg != "" {
						out = append(out, fmt.Sprintf("%s:%d:%d: alert %s, %s %s: %s", f.Path, p.Value.Pos.Line, p.Value.Pos.Col,
							r.Alert.Value, kind.what, p.Key.Value, msg))
					}
				}
			}
		}
	}
	return out
}

func (c *config) templateLimit(alert, text string) string {
	if !strings.Contains(text, "{{") {
		return ""
	}
	// Parsed as the rules manager parses it: its name, its variables.
	t, err := template.New("__alert_" + alert).Funcs(templateFuncs).Parse(templateDefs + text)
	if err != nil {
		return "" // the rules manager writes the error as the text
	}
	b := &templateBound{tmpl: t, done: map[string]cost{}, busy: map[string]bool{}}
	k := b.list(t.Tree.Root)
	switch {
	case b.recursive != "":
		return fmt.Sprintf("template %q calls itself, which has no bound on its steps", b.recursive)
	case k.steps > uint64(c.limits.TemplateSteps):
		return fmt.Sprintf("the template can take %s steps, more than the limit of %d (--max-template-steps raises it)",
			countString(k.steps), c.limits.TemplateSteps)
	case k.bytes > uint64(c.limits.TemplateBytes):
		return fmt.Sprintf("the template can write %s bytes, more than the limit of %d (--max-template-bytes raises it)",
			countString(k.bytes), c.limits.TemplateBytes)
	}
	return ""
}

// callsQuery reports whether an alert's template calls the query function,
// which reads the storage when the template runs.
func callsQuery(alert, text string) bool {
	if !strings.Contains(text, "{{") || !strings.Contains(text, "query") {
		return false
	}
	t, err := template.New("__alert_" + alert).Funcs(templateFuncs).Parse(templateDefs + text)
	if err != nil {
		return false // the rules manager writes the error, and runs nothing
	}
	found := false
	for _, tt := range t.Templates() {
		if tt.Tree == nil {
			continue
		}
		parseWalk(tt.Tree.Root, func(n parse.Node) {
			if id, ok := n.(*parse.IdentifierNode); ok && id.Ident == "query" {
				found = true
			}
		})
	}
	return found
}

// parseWalk calls fn on every node of a template's tree.
func parseWalk(n parse.Node, fn func(parse.Node)) {
	if n == nil || reflect.ValueOf(n).IsNil() {
		return
	}
	fn(n)
	switch n := n.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			parseWalk(c, fn)
		}
	case *parse.ActionNode:
		parseWalk(n.Pipe, fn)
	case *parse.PipeNode:
		for _, c := range n.Cmds {
			parseWalk(c, fn)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			parseWalk(a, fn)
		}
	case *parse.ChainNode:
		parseWalk(n.Node, fn)
	case *parse.IfNode:
		parseWalk(n.Pipe, fn)
		parseWalk(n.List, fn)
		parseWalk(n.ElseList, fn)
	case *parse.RangeNode:
		parseWalk(n.Pipe, fn)
		parseWalk(n.List, fn)
		parseWalk(n.ElseList, fn)
	case *parse.WithNode:
		parseWalk(n.Pipe, fn)
		parseWalk(n.List, fn)
		parseWalk(n.ElseList, fn)
	case *parse.TemplateNode:
		parseWalk(n.Pipe, fn)
	}
}

// cost is what part of a template takes at worst: steps, and bytes of
// text and padding written.
type cost struct{ steps, bytes uint64 }

func (a cost) plus(b cost) cost { return cost{addSat(a.steps, b.steps), addSat(a.bytes, b.bytes)} }
func (a cost) times(n uint64) cost {
	return cost{mulSat(a.steps, n), mulSat(a.bytes, n)}
}

// templateBound works out the worst cost of a template: loops multiply
// their body by their turns (the integer they range over, or rangeTurns),
// template calls count the template called.
type templateBound struct {
	tmpl      *template.Template
	done      map[string]cost
	busy      map[string]bool
	recursive string
}

func (b *templateBound) list(l *parse.ListNode) cost {
	var c cost
	if l == nil {
		return c
	}
	for _, n := range l.Nodes {
		c = c.plus(b.node(n))
	}
	return c
}

func (b *templateBound) node(n parse.Node) cost {
	switch n := n.(type) {
	case *parse.TextNode:
		return cost{1, uint64(len(n.Text))}
	case *parse.ActionNode:
		return b.pipe(n.Pipe)
	case *parse.IfNode:
		return b.pipe(n.Pipe).plus(b.list(n.List)).plus(b.list(n.ElseList))
	case *parse.WithNode:
		return b.pipe(n.Pipe).plus(b.list(n.List)).plus(b.list(n.ElseList))
	case *parse.RangeNode:
		turns := uint64(rangeTurns)
		if len(n.Pipe.Cmds) == 1 && len(n.Pipe.Cmds[0].Args) == 1 {
			if num, ok := n.Pipe.Cmds[0].Args[0].(*parse.NumberNode); ok && num.IsInt {
				turns = uint64(max(num.Int64, 0))
			}
		}
		return b.pipe(n.Pipe).plus(b.list(n.List).plus(cost{1, 0}).times(turns)).plus(b.list(n.ElseList))
	case *parse.TemplateNode:
		c := cost{1, 0}
		if n.Pipe != nil {
			c = c.plus(b.pipe(n.Pipe))
		}
		return c.plus(b.call(n.Name))
	}
	return cost{1, 0}
}

func (b *templateBound) call(name string) cost {
	if c, ok := b.done[name]; ok {
		return c
	}
	if b.busy[name] {
		b.recursive = name
		return cost{math.MaxUint64, 0}
	}
	t := b.tmpl.Lookup(name)
	if t == nil || t.Tree == nil {
		return cost{1, 0}
	}
	b.busy[name] = true
	c := b.list(t.Tree.Root)
	b.busy[name] = false
	b.done[name] = c
	return c
}

// pipe counts a pipeline's commands, and the padding of printf's literal
// widths and precisions.
func (b *templateBound) pipe(p *parse.PipeNode) cost {
	c := cost{1, 0}
	if p == nil {
		return c
	}
	for _, cmd := range p.Cmds {
		c.steps = addSat(c.steps, uint64(len(cmd.Args)))
		if len(cmd.Args) > 1 {
			if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok && id.Ident == "printf" {
				if s, ok := cmd.Args[1].(*parse.StringNode); ok {
					c.bytes = addSat(c.bytes, formatPadding(s.Text))
				}
			}
		}
	}
	return c
}

// formatPadding is what a format's widths and precisions can write; a
// width taken from an argument counts as unbounded.
func formatPadding(format string) uint64 {
	var n uint64
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		for i < len(format) && (format[i] == '[' || format[i] == ']' || format[i] == '.' || format[i] == '*' || (format[i] >= '0' && format[i] <= '9')) {
			if format[i] == '*' {
				return math.MaxUint64
			}
			j := i
			for j < len(format) && format[j] >= '0' && format[j] <= '9' {
				j++
			}
			if j > i {
				w, err := strconv.ParseUint(format[i:j], 10, 64)
				if err != nil {
					return math.MaxUint64
				}
				n = addSat(n, w)
				i = j
				continue
			}
			i++
		}
	}
	return n
}
