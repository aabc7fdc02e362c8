package checks

import (
	"regexp"
	"sync"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/online"
	"github.com/oomguard/oomguard/rules"
)

// The online checks keep, of each file a server evaluates, the rules with
// their parsed expressions and the spans of the nodes findings may be
// about, and run at the end, once every file is read: then the names the
// rules record are all known, and are not asked about (the server may not
// have them yet).

// onlineFile is what the online checks keep of a file.
type onlineFile struct {
	path     string
	probers  []*online.Prober
	recorded []recordedIn // names the file's rules record
	rules    []*onlineRule
}

// onlineRule is what the online checks keep of a rule whose expression
// parses.
type onlineRule struct {
	group, name string
	alert       bool
	expr        parser.Expr
	text        string
	nameSpan    engine.Span
	exprSpan    engine.Span
	// spans are those of the expression's selectors, aggregations and
	// binary operations, and of the labels read in by, on and group
	// clauses (by node and label).
	spans      map[parser.Node]engine.Span
	labelSpans map[labelAt]engine.Span
	// templates are the labels the alert's templates read.
	templates []templateLabel
	// interval is the group's evaluation interval, 0 when it sets none.
	interval           time.Duration
	forDur, keepFiring time.Duration
}

// recordedIn is a name a recording rule records, and its group.
type recordedIn struct{ name, group string }

type labelAt struct {
	node  parser.Node
	label string
}

type templateLabel struct {
	key, label string
	span       engine.Span
}

type onlineKey struct{}

// keepOnline is the File function of the online checks: it keeps the
// file's rules when a server evaluates it, and the names it records in any
// online run.
func keepOnline(c *engine.FileContext) {
	if c.Config.Online == nil {
		return
	}
	c.Keep(c.Memo(onlineKey{}, func() any { return onlineOf(c) }))
}

func onlineOf(c *engine.FileContext) *onlineFile {
	f := c.File
	of := &onlineFile{path: f.Path, probers: c.Config.Online.Probers(f.Path)}
	templates := templatesOf(c.Memo)
	for _, g := range f.Groups() {
		for _, r := range g.Rules {
			if !r.IsAlert() && r.Record.Value != "" {
				of.recorded = append(of.recorded, recordedIn{r.Record.Value, g.Name.Value})
			}
			if len(of.probers) == 0 || r.Parsed == nil {
				continue
			}
			or := &onlineRule{group: g.Name.Value, name: r.Name(), alert: r.IsAlert(), expr: r.Parsed, text: r.Expr.Value,
				interval: time.Duration(g.Interval.D), forDur: time.Duration(r.For.D), keepFiring: time.Duration(r.KeepFiringFor.D),
				spans: map[parser.Node]engine.Span{}, labelSpans: map[labelAt]engine.Span{}}
			nameStr := r.Record
			if r.IsAlert() {
				nameStr = r.Alert
			}
			or.nameSpan = c.Span(g, r, engine.At(nameStr.Pos))
			or.exprSpan = c.Span(g, r, engine.At(r.Expr.Pos))
			parser.Inspect(r.Parsed, func(n parser.Node, _ []parser.Node) error {
				switch n := n.(type) {
				case *parser.VectorSelector:
					or.spans[n] = c.Span(g, r, exprSpan(f, r, n))
				case *parser.AggregateExpr:
					or.spans[n] = c.Span(g, r, exprSpan(f, r, n))
					for _, l := range n.Grouping {
						if start, end, ok := clauseLabel(r.Expr.Value, n, l); ok {
							or.labelSpans[labelAt{n, l}] = c.Span(g, r, offsetSpan(f, r, start, end))
						}
					}
				case *parser.BinaryExpr:
					or.spans[n] = c.Span(g, r, exprSpan(f, r, n))
					if m := n.VectorMatching; m != nil {
						for _, l := range append(append([]string{}, m.MatchingLabels...), m.Include...) {
							if start, end, ok := clauseLabel(r.Expr.Value, n, l); ok {
								or.labelSpans[labelAt{n, l}] = c.Span(g, r, offsetSpan(f, r, start, end))
							}
						}
					}
				}
				return nil
			})
			if r.IsAlert() {
				for _, pairs := range []rules.Map{r.Labels, r.Annotations} {
					for j := range pairs {
						p := &pairs[j]
						read := templates.of(&p.Value).refs
						if len(read) == 0 {
							continue
						}
						at := f.Positions(p.Value)
						for _, ref := range read {
							or.templates = append(or.templates, templateLabel{key: p.Key.Value, label: ref.label,
								span: c.Span(g, r, engine.Span{Start: at(ref.offset), End: at(ref.end)})})
						}
					}
				}
			}
			of.rules = append(of.rules, or)
		}
	}
	return of
}

// onlineFiles returns what the online checks kept of the files of the
// scope, and a Skip of the names their rules record.
func onlineFiles(c *engine.FilesContext) ([]*onlineFile, online.Skip) {
	out, recorded := onlineScope(c)
	return out, func(metric string) bool { return len(recorded[metric]) > 0 }
}

// onlineScope returns what the online checks kept of the files of the
// scope, and the groups that record each name.
func onlineScope(c *engine.FilesContext) ([]*onlineFile, map[string][]string) {
	var out []*onlineFile
	recorded := map[string][]string{}
	for _, k := range c.Kept {
		if of, ok := k.(*onlineFile); ok {
			out = append(out, of)
			for _, n := range of.recorded {
				recorded[n.name] = append(recorded[n.name], n.group)
			}
		}
	}
	return out, recorded
}

// onlineJob is one rule of one file on one server.
type onlineJob struct {
	file *onlineFile
	rule *onlineRule
	p    *online.Prober
}

// eachOnline runs fn for every rule of the files on every server that
// evaluates it, several at a time (the client bounds the requests in
// flight), and reports what fn found in the order of the files and rules,
// so that the output does not depend on the order answers come in.
func eachOnline(c *engine.FilesContext, files []*onlineFile, fn func(j onlineJob, report func(sp engine.Span, sev engine.Severity, hint, msg string))) {
	var jobs []onlineJob
	for _, f := range files {
		for _, r := range f.rules {
			for _, p := range f.probers {
				jobs = append(jobs, onlineJob{f, r, p})
			}
		}
	}
	type found struct {
		sp        engine.Span
		sev       engine.Severity
		hint, msg string
	}
	results := make([][]found, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(16, len(jobs)) {
		wg.Go(func() {
			for i := range next {
				fn(jobs[i], func(sp engine.Span, sev engine.Severity, hint, msg string) {
					results[i] = append(results[i], found{sp, sev, hint, msg})
				})
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, j := range jobs {
		for _, r := range results[i] {
			c.ReportSeverity(r.sev, j.file.path, j.rule.group, j.rule.name, r.sp, r.hint, "%s", r.msg)
		}
	}
}

// spanOf is the span of a node of the rule's expression, else of the
// expression.
func (r *onlineRule) spanOf(n parser.Node) engine.Span {
	if sp, ok := r.spans[n]; ok {
		return sp
	}
	return r.exprSpan
}

var clauseRE = regexp.MustCompile(`\b(by|on|group_left|group_right)\s*\(([^()]*)\)`)

// clauseLabel finds label in the by, on or group clause of n, an
// aggregation or a binary operation, in the expression's text expr: the
// bytes it takes. The clause is looked for outside the operands.
func clauseLabel(expr string, n parser.Node, label string) (start, end int, ok bool) {
	pr := n.PositionRange()
	if pr.Start < 0 || int(pr.End) > len(expr) {
		return 0, 0, false
	}
	// The text of n outside its operands.
	var holes [][2]int
	switch n := n.(type) {
	case *parser.AggregateExpr:
		e := n.Expr.PositionRange()
		holes = append(holes, [2]int{int(e.Start), int(e.End)})
		if n.Param != nil {
			p := n.Param.PositionRange()
			holes = append(holes, [2]int{int(p.Start), int(p.End)})
		}
	case *parser.BinaryExpr:
		l, r := n.LHS.PositionRange(), n.RHS.PositionRange()
		holes = append(holes, [2]int{int(pr.Start), int(l.End)}, [2]int{int(r.Start), int(pr.End)})
	}
	text := []byte(expr[:pr.End])
	for _, h := range holes {
		for i := max(h[0], 0); i < min(h[1], len(text)); i++ {
			text[i] = ' '
		}
	}
	for _, m := range clauseRE.FindAllSubmatchIndex(text, -1) {
		if m[0] < int(pr.Start) {
			continue
		}
		inner := string(text[m[4]:m[5]])
		for _, w := range wordRE.FindAllStringIndex(inner, -1) {
			if inner[w[0]:w[1]] == label {
				return m[4] + w[0], m[4] + w[1], true
			}
		}
	}
	return 0, 0, false
}

var wordRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
