package checks

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/astwalk"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/intern"
	"github.com/oomguard/oomguard/lint/labelflow"
	"github.com/oomguard/oomguard/lint/matchers"
	"github.com/oomguard/oomguard/lint/summary"
	"github.com/oomguard/oomguard/rules"
)

// IdentityDuplicateRule reports rules defined twice.
var IdentityDuplicateRule = &engine.Check{
	ID:       "identity/duplicate-rule",
	Title:    "A rule defined twice",
	Severity: engine.Warning,
	Doc:      doc("identity/duplicate-rule"),
	File: func(c *engine.FileContext) {
		summary.KeepWith(c, identitiesOf(c))
	},
	Files: func(c *engine.FilesContext) {
		bu := c.Config.Budgets.Effective()
		maxCompared := c.Config.DuplicateComparisons
		if maxCompared <= 0 {
			maxCompared = DefaultDuplicateComparisons
		}
		ls := summary.LabelSets(c)
		parts := summary.Parts[[]identity](c)
		// Rules of one key (kind, name, static labels) are compared with
		// each other, each with those before it, in the order of the
		// files. Many rules of one name usually pin a label to values of
		// their own (job="a", job="b"): comparing each with every other
		// was quadratic. Each key's rules are indexed by the values of the
		// label most of them pin (the pivot), and a rule is compared only
		// with those before it that pin the pivot to one of its values or
		// do not pin it: the others certainly write other series
		// (matchers.FixedValues), and were skipped by the comparison
		// anyway. The findings are the same; the work is linear in the
		// rules when they all pin the pivot.
		buckets := map[string]*dupBucket{}
		for _, p := range parts {
			for i := range p.Rules {
				key := p.Own[i].key(&p.Rules[i])
				b := buckets[key]
				if b == nil {
					b = &dupBucket{}
					buckets[key] = b
				}
				b.size++
				if b.size == 2 {
					b.pinned = map[string]int{}
					b.count(b.first)
				}
				if b.size >= 2 {
					b.count(&p.Own[i])
				} else {
					b.first = &p.Own[i]
				}
			}
		}
		for _, b := range buckets {
			b.choosePivot()
		}
		for _, p := range parts {
			for i := range p.Rules {
				r, id := &p.Rules[i], &p.Own[i]
				b := buckets[id.key(r)]
				kind := "recording rule"
				if r.Alert {
					kind = "alert"
				}
				cands := b.candidates(id, maxCompared)
				for k, j := range cands {
					if k == maxCompared {
						// More rules of the key to compare with than the
						// budget: no finding for this one, a note.
						c.TooComplex(p.Path, p.Groups[r.Group].Name, r.Name, r.NameSpan.Span(),
							"whether %s %q writes the same series as a rule of its name and static labels before it: more than %d of them to compare with (lint.budgets duplicateComparisons in .oomguard.yaml raises it)",
							kind, r.Name, maxCompared)
						break
					}
					w := &b.seen[j]
					if disjointValues(w.id, id) || otherLabels(ls, w.rule, r) {
						continue // not the same series, whatever the matchers say
					}
					v := bu.DisjointOutputs(w.id.outputs, id.outputs, id.static.All())
					if v == matchers.TooComplex {
						c.TooComplex(p.Path, p.Groups[r.Group].Name, r.Name, r.NameSpan.Span(),
							"whether %s %q writes the same series as the one at %s:%s: its label matchers need more than %d alternatives or %d regexp automaton states, or a regexp longer than %d bytes (lint.budgets labelAlternatives, regexpStates, regexpBytes in .oomguard.yaml raise them)",
							kind, r.Name, w.file, w.pos, bu.Alternatives, bu.RegexpStates, bu.RegexpBytes)
						break
					}
					if v == matchers.No {
						hint := ""
						if w.file != p.Path {
							// Files of one run are one Prometheus unless
							// the config says otherwise.
							hint = "if the two files go to different Prometheus servers, give each its scope (scopes in .oomguard.yaml)"
						}
						c.ReportSpan(p.Path, p.Groups[r.Group].Name, r.Name, r.NameSpan.Span(), hint, "%s %q is already defined at %s:%s", kind, r.Name, w.file, w.pos)
						break
					}
				}
				b.add(dupSeen{p.Path, r.NameSpan.Start(), id, r})
			}
		}
	},
}

// dupNoIndex turns the index off: every rule is compared with every one
// before it of its key, as the tests compare.
var dupNoIndex = false

// dupSeen is a rule identity/duplicate-rule has gone past.
type dupSeen struct {
	file string
	pos  rules.Pos
	id   *identity
	rule *summary.Rule
}

// dupBucket holds the rules of one key, indexed by the values of a label
// most of them pin to values written out (the pivot).
type dupBucket struct {
	size  int
	first *identity
	// pinned counts the rules that pin each label, to choose the pivot.
	pinned map[string]int
	pivot  string
	seen   []dupSeen
	// byValue holds the rules that pin the pivot, by value; open those
	// that do not (indexes in seen, in order).
	byValue map[string][]int
	open    []int
}

// count counts the labels an identity pins.
func (b *dupBucket) count(id *identity) {
	if id.outputs == nil {
		return
	}
	static := id.static.All()
	for _, l := range id.outputs.Labels() {
		if slices.Contains(static, l) {
			continue // DisjointOutputs does not tell series apart by it
		}
		if _, ok := id.outputs.FixedValues(l); ok {
			b.pinned[l]++
		}
	}
}

// choosePivot chooses the label most rules pin (the first by name of
// those), when at least two do.
func (b *dupBucket) choosePivot() {
	if dupNoIndex {
		return
	}
	best := 1
	for l, n := range b.pinned {
		if n > best || n == best && b.pivot != "" && l < b.pivot {
			b.pivot, best = l, n
		}
	}
	if b.pivot != "" {
		b.byValue = map[string][]int{}
	}
}

// DefaultDuplicateComparisons is the most earlier rules of its key
// identity/duplicate-rule compares a rule with (lint.budgets
// duplicateComparisons); past it the rule gets a note, not a finding.
const DefaultDuplicateComparisons = 200

// candidates returns, in order, the first rules before id it may write the
// same series as, at most max+1 of them (one more tells that there are
// more than max): all of them, or without a pivot those that pin it to one
// of id's values or do not pin it. Rules of one key that pin no label in
// common were each compared with all those before: the cap keeps the work
// linear in the rules.
func (b *dupBucket) candidates(id *identity, max int) []int {
	vals, ok := b.pinnedValues(id)
	if !ok {
		all := make([]int, min(len(b.seen), max+1))
		for i := range all {
			all[i] = i
		}
		return all
	}
	// Each list is in order: the first max+1 of all are among the first
	// max+1 of each.
	first := func(l []int) []int { return l[:min(len(l), max+1)] }
	out := slices.Clone(first(b.open))
	for _, v := range vals {
		out = append(out, first(b.byValue[v])...)
	}
	slices.Sort(out)
	return first(slices.Compact(out))
}

// pinnedValues returns the values id pins the pivot to.
func (b *dupBucket) pinnedValues(id *identity) ([]string, bool) {
	if b.pivot == "" || id.outputs == nil || slices.Contains(id.static.All(), b.pivot) {
		return nil, false
	}
	return id.outputs.FixedValues(b.pivot)
}

// add indexes a rule once it has been compared.
func (b *dupBucket) add(s dupSeen) {
	i := len(b.seen)
	b.seen = append(b.seen, s)
	if b.pivot == "" {
		return
	}
	vals, ok := b.pinnedValues(s.id)
	if !ok {
		b.open = append(b.open, i)
		return
	}
	for _, v := range slices.Compact(slices.Sorted(slices.Values(vals))) {
		b.byValue[v] = append(b.byValue[v], i)
	}
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
	// compared is the expression an outermost comparison with a number
	// filters, and values the values it keeps; compared is "" when there
	// is none.
	compared string
	values   interval
}

// interval is an interval of values, each end open or closed.
type interval struct {
	lo, hi         float64
	loOpen, hiOpen bool
}

func anyValue() interval {
	return interval{lo: math.Inf(-1), hi: math.Inf(1), loOpen: true, hiOpen: true}
}

// meet is the values both ranges hold.
func (a interval) meet(b interval) interval {
	out := a
	if b.lo > out.lo || b.lo == out.lo && b.loOpen {
		out.lo, out.loOpen = b.lo, b.loOpen
	}
	if b.hi < out.hi || b.hi == out.hi && b.hiOpen {
		out.hi, out.hiOpen = b.hi, b.hiOpen
	}
	return out
}

func (a interval) empty() bool {
	return a.lo > a.hi || a.lo == a.hi && (a.loOpen || a.hiOpen)
}

// comparedValues returns the expression an outermost chain of comparisons
// with numbers filters (x > 0.9 < 1), and the values it keeps.
func comparedValues(e parser.Expr) (string, interval) {
	r := anyValue()
	for {
		b, ok := unparen(e).(*parser.BinaryExpr)
		if !ok || !b.Op.IsComparisonOperator() || b.ReturnBool {
			break
		}
		op, x, other := b.Op, b.RHS, b.LHS
		if _, ok := numberOf(b.LHS); ok {
			// 0.9 < x is x > 0.9.
			op, x, other = flipComparison(b.Op), b.LHS, b.RHS
		}
		v, ok := numberOf(x)
		if !ok {
			break
		}
		switch op {
		case parser.EQLC:
			r = r.meet(interval{lo: v, hi: v})
		case parser.GTR:
			r = r.meet(interval{lo: v, hi: math.Inf(1), loOpen: true, hiOpen: true})
		case parser.GTE:
			r = r.meet(interval{lo: v, hi: math.Inf(1), hiOpen: true})
		case parser.LSS:
			r = r.meet(interval{lo: math.Inf(-1), hi: v, loOpen: true, hiOpen: true})
		case parser.LTE:
			r = r.meet(interval{lo: math.Inf(-1), hi: v, loOpen: true})
		default:
			return "", anyValue()
		}
		e = other
	}
	if r == anyValue() {
		return "", r
	}
	return unparen(e).String(), r
}

// disjointValues reports whether two rules filter the same expression
// with comparisons no value passes both: x == 0 and x > 0 never hold at
// once, so the rules never return the same series at the same time.
func disjointValues(a, b *identity) bool {
	return a.compared != "" && a.compared == b.compared && a.values.meet(b.values).empty()
}

// otherLabels reports whether two rules return series of different label
// names, as far as those are known: sum by (a) and sum by (a, b) never
// write the same series.
func otherLabels(ls *labelflow.Sets, a, b *summary.Rule) bool {
	if !a.Parsed || !b.Parsed {
		return false
	}
	la, ok1 := ls.Of(a.Flow).Labels()
	lb, ok2 := ls.Of(b.Flow).Labels()
	return ok1 && ok2 && !slices.Equal(la, lb)
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
func identitiesOf(c *engine.FileContext) []identity {
	in := intern.New()
	kept := matchers.NewKept(in, c.Config.Budgets)
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
				astwalk.Inspect(r.Parsed, func(n parser.Node, _ []parser.Node) error {
					if vs, ok := n.(*parser.VectorSelector); ok {
						for _, m := range vs.LabelMatchers {
							matched = append(matched, m.Name)
						}
					}
					return nil
				})
				slices.Sort(matched)
				id.outputs = kept.Of(r.Parsed, slices.Compact(matched))
				if compared, values := comparedValues(r.Parsed); compared != "" {
					id.compared, id.values = in.Str(compared), values
				}
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
