package rules

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"text/template/parse"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/timestamp"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/template"
)

// nameScheme is the name validation of Prometheus 3 and promtool: any valid
// UTF-8 name.
const nameScheme = model.UTF8Validation

// partialResponse is the CRD's pattern for partial_response_strategy.
var partialResponse = regexp.MustCompile(`^(?i)(abort|warn)?$`)

// validateDocument checks what Prometheus's model/rulefmt checks, with the
// same meaning, and reports each problem at its position. It also parses
// every expression and keeps the result in Rule.Parsed.
func validateDocument(d *decoder, doc *Document) {
	seen := map[string]Pos{}
	for _, g := range doc.Groups {
		if g.Name.invalid {
			// already reported
		} else if g.Name.Value == "" {
			p := g.Name.Pos
			if !p.IsValid() {
				p = g.Pos
			}
			d.errorf(p, "group name must not be empty")
		} else if first, dup := seen[g.Name.Value]; dup {
			d.errorf(g.Name.Pos, "group name %q is repeated in the same %s (first at %s)", g.Name.Value, docNoun(doc), first)
		} else {
			seen[g.Name.Value] = g.Name.Pos
		}
		validateLabels(d, g.Labels, "group label")
		if g.PartialResponseStrategy.Value != "" && !partialResponse.MatchString(g.PartialResponseStrategy.Value) {
			d.errorf(g.PartialResponseStrategy.Pos, "partial_response_strategy must be abort or warn, not %q", g.PartialResponseStrategy.Value)
		}
	}
	validateRules(d, doc)
}

// parallelRules is the number of rules from which a document's rules are
// validated on all cores: parsing expressions and templates is most of the
// cost of loading a large file.
const parallelRules = 256

func validateRules(d *decoder, doc *Document) {
	var all []*Rule
	for _, g := range doc.Groups {
		all = append(all, g.Rules...)
	}
	workers := min(runtime.GOMAXPROCS(0), len(all)/parallelRules)
	if workers < 2 {
		for _, r := range all {
			validateRule(d, r)
		}
		return
	}
	// Each worker reports into its own decoder; the errors are sorted
	// afterwards anyway.
	subs := make([]*decoder, workers)
	var wg sync.WaitGroup
	for w := range workers {
		sub := &decoder{path: d.path, src: d.src, opts: d.opts}
		subs[w] = sub
		wg.Go(func() {
			for i := w; i < len(all); i += workers {
				validateRule(sub, all[i])
			}
		})
	}
	wg.Wait()
	for _, sub := range subs {
		d.errs = append(d.errs, sub.errs...)
	}
}

func docNoun(doc *Document) string {
	if doc.Kind == KindPrometheusRule {
		return "PrometheusRule"
	}
	return "file"
}

func validateRule(d *decoder, r *Rule) {
	switch {
	case r.Record.Value != "" && r.Alert.Value != "":
		p := r.Record.KeyPos
		if r.Alert.KeyPos.Less(p) {
			p = r.Alert.KeyPos
		}
		d.errorf(p, "only one of 'record' and 'alert' must be set")
	case r.Record.Value == "" && r.Alert.Value == "" && !r.Record.invalid && !r.Alert.invalid:
		d.errorf(r.Pos, "one of 'record' or 'alert' must be set")
	}

	if r.Expr.invalid {
		// already reported
	} else if r.Expr.Value == "" {
		p := r.Expr.Pos
		if !p.IsValid() {
			p = r.Pos
		}
		d.errorf(p, "field 'expr' must be set in rule")
	} else if off, msg, ok := exprTooComplex(r.Expr.Value, d.opts.maxExprOperators(), d.opts.maxExprNesting()); !ok {
		d.errs = append(d.errs, &Error{File: d.path, Pos: positions(d.src, r.Expr)(off), Msg: msg})
	} else {
		expr, err := d.opts.parser().ParseExpr(r.Expr.Value)
		if err != nil {
			d.exprErrors(r.Expr, err)
		} else {
			r.Parsed = expr
		}
	}

	if r.Record.Value != "" {
		if len(r.Annotations) > 0 {
			d.errorf(r.Annotations[0].Key.Pos, "invalid field 'annotations' in recording rule")
		}
		if r.For.D != 0 {
			d.errorf(r.For.KeyPos, "invalid field 'for' in recording rule")
		}
		if r.KeepFiringFor.D != 0 {
			d.errorf(r.KeepFiringFor.KeyPos, "invalid field 'keep_firing_for' in recording rule")
		}
		if !nameScheme.IsValidMetricName(r.Record.Value) {
			d.errorf(r.Record.Pos, "invalid recording rule name: %s", r.Record.Value)
		}
		if strings.ContainsAny(r.Record.Value, "{}") {
			d.errorf(r.Record.Pos, "braces present in the recording rule name; should it be in expr?: %s", r.Record.Value)
		}
	}

	validateLabels(d, r.Labels, "label")
	for _, p := range r.Annotations {
		if !nameScheme.IsValidLabelName(p.Key.Value) {
			d.errorf(p.Key.Pos, "invalid annotation name: %s", p.Key.Value)
		}
	}
	if r.Alert.Value != "" {
		validateTemplates(d, r)
	}
}

func validateLabels(d *decoder, m Map, what string) {
	for _, p := range m {
		if !nameScheme.IsValidLabelName(p.Key.Value) || p.Key.Value == model.MetricNameLabel {
			d.errorf(p.Key.Pos, "invalid %s name: %s", what, p.Key.Value)
		}
		if !model.LabelValue(p.Value.Value).IsValid() {
			d.errorf(p.Value.Pos, "invalid %s value: %s", what, p.Value.Value)
		}
	}
}

// exprErrors reports PromQL parse errors at the exact position of the bad
// token in the file, one a mistake: see rootCauses.
func (d *decoder) exprErrors(expr Str, err error) {
	// The value is lined up with the source once for all its errors.
	posAt := positions(d.src, expr)
	var perrs parser.ParseErrors
	if errors.As(err, &perrs) && len(perrs) > 0 {
		for _, pe := range rootCauses(perrs) {
			d.errs = append(d.errs, &Error{File: d.path, Pos: posAt(tokenStart(expr.Value, pe)),
				Msg: "could not parse expression: " + pe.Err.Error()})
		}
		return
	}
	var pe *parser.ParseErr
	if errors.As(err, &pe) {
		d.errs = append(d.errs, &Error{File: d.path, Pos: posAt(tokenStart(expr.Value, *pe)),
			Msg: "could not parse expression: " + pe.Err.Error()})
		return
	}
	d.errorf(expr.Pos, "could not parse expression: %v", err)
}

// rootCauses keeps the errors of a parse that are mistakes of the
// expression, not of the parser's recovery from one. The parser lists its
// errors in the order it meets them. Once it meets a syntax error (from the
// lexer or the grammar: an unclosed parenthesis, an unexpected token) it
// goes on from a guess, and what it says after that is about its guess: a
// missing ")" is followed by "no arguments for aggregate expression
// provided" for the sum it could not close. So the first syntax error is
// the one error reported. Without one, every error (a type, a regexp, an
// unknown function) is a mistake of its own and all are kept.
func rootCauses(errs parser.ParseErrors) parser.ParseErrors {
	for _, pe := range errs {
		if isSyntaxError(pe.Err.Error()) {
			return parser.ParseErrors{pe}
		}
	}
	return errs
}

// syntaxErrors start the messages of the PromQL lexer and grammar, as
// Prometheus 3.16 words them (promql/parser lex.go, parse.go's unexpected).
var syntaxErrors = []string{
	"unexpected ", "unclosed ", "unterminated ", "bad number", "bad histogram",
	"histogram description incomplete", "missing `:`", "invalid character",
	"invalid UTF-8", "illegal character", "escape sequence", "unknown escape sequence",
}

func isSyntaxError(msg string) bool {
	for _, p := range syntaxErrors {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// tokenStart returns the offset of the token a parse error blames. The
// PromQL lexer reports a surplus ")" after it has consumed it, so that one
// error points one byte past its token.
func tokenStart(expr string, pe parser.ParseErr) int {
	off := int(pe.PositionRange.Start)
	if off > 0 && off <= len(expr) && expr[off-1] == ')' && strings.HasPrefix(pe.Err.Error(), "unexpected right parenthesis") {
		return off - 1
	}
	return off
}

// validateTemplates parses the label and annotation templates of an
// alerting rule as Prometheus does. A template that parses with every
// function it names known to Prometheus, and defines no other template
// (whose name could clash with the alert's), is valid without Prometheus's
// own parse, which builds its function map anew each time; any other is
// parsed by Prometheus, for its exact error.
func validateTemplates(d *decoder, r *Rule) {
	check := func(m Map, what string) {
		for i := range m {
			p := &m[i]
			if !strings.Contains(p.Value.Value, "{{") {
				continue // no actions, nothing that can fail to parse
			}
			if tmpl := ParseTemplate(p.Value.Value); tmpl.Tree != nil && len(tmpl.Trees) == 1 && tmpl.Trees["t"] == tmpl.Tree && knownFunctions(tmpl.Tree.Root) {
				continue
			}
			data := template.AlertTemplateData(map[string]string{}, map[string]string{}, "", promql.Sample{})
			exp := template.NewTemplateExpander(context.Background(), TemplateDefs+p.Value.Value,
				"__alert_"+r.Alert.Value, data, model.Time(timestamp.FromTime(time.Unix(0, 0))), nil, nil, nil)
			if err := exp.ParseTest(); err != nil {
				d.errorf(p.Value.Pos, "%s %q: %v", what, p.Key.Value, err)
			}
		}
	}
	check(r.Labels, "label")
	check(r.Annotations, "annotation")
}

// templateFuncs caches whether Prometheus's alert templates know a
// function (its own or a builtin of text/template), as Prometheus's parse
// of a template calling it says.
var templateFuncs sync.Map

// knownFunctions reports whether every function a template tree names is
// one Prometheus's templates know.
func knownFunctions(n parse.Node) bool {
	known := true
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		if !known {
			return
		}
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					walk(c)
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.ChainNode:
			walk(n.Node)
		case *parse.IfNode:
			walk(&n.BranchNode)
		case *parse.RangeNode:
			walk(&n.BranchNode)
		case *parse.WithNode:
			walk(&n.BranchNode)
		case *parse.BranchNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		case *parse.IdentifierNode:
			known = knownFunction(n.Ident)
		}
	}
	walk(n)
	return known
}

func knownFunction(name string) bool {
	if v, ok := templateFuncs.Load(name); ok {
		return v.(bool)
	}
	err := template.NewTemplateExpander(context.Background(), "{{"+name+"}}", "f", nil, 0, nil, nil, nil).ParseTest()
	templateFuncs.Store(name, err == nil)
	return err == nil
}

// String formats a Str for messages.
func (s Str) String() string { return fmt.Sprintf("%q", s.Value) }
