package matchers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/lint/intern"
)

// alternatives is a regexp of n alternatives 0.*x0|1.*x1|... for x
// infix: not a list of fixed values, so comparing two takes their
// automata, whose product grows with n.
func alternatives(infix string, n int) string {
	vs := make([]string, n)
	for i := range vs {
		vs[i] = fmt.Sprintf("%d.*%s%d", i, infix, i)
	}
	return strings.Join(vs, "|")
}

// starts is .*x0|.*x1|... of n alternatives, x for infix.
func starts(infix string, n int) string {
	vs := make([]string, n)
	for i := range vs {
		vs[i] = fmt.Sprintf(".*%s%d", infix, i)
	}
	return strings.Join(vs, "|")
}

// TestRegexpBudget: the product of two automata of 5,000 alternatives is
// beyond MaxRegexpStates: the comparison gives up and says so.
func TestRegexpBudget(t *testing.T) {
	a, b := alternatives("a", 5000), alternatives("b", 5000)
	if got := (Budgets{}).regexpsDisjoint(a, b); got != TooComplex {
		t.Errorf("regexpsDisjoint of two 5,000-alternative regexps = %v, want TooComplex", got)
	}
	if RegexpsDisjoint(a, b) {
		t.Error("RegexpsDisjoint says disjoint beyond its budget")
	}
	// Alternatives that share no prefix to factor out: 5,000 x 5,000
	// state pairs from the start (3.7 GiB when they were all made).
	a, b = starts("a", 5000), starts("b", 5000)
	if got := (Budgets{}).regexpsDisjoint(a, b); got != TooComplex {
		t.Errorf("regexpsDisjoint of .*a0|.*a1|... = %v, want TooComplex", got)
	}
	// Within the budget the answer is still found.
	a, b = alternatives("a", 50), alternatives("b", 50)
	if got := (Budgets{}).regexpsDisjoint(a, b); got != Yes {
		t.Errorf("regexpsDisjoint of two 50-alternative regexps = %v, want Yes", got)
	}
	if got := (Budgets{}).regexpsDisjoint(alternatives("a", 50), "1.+"); got != No {
		t.Errorf("regexpsDisjoint of overlapping regexps = %v, want No", got)
	}
	// A regexp longer than maxRegexpLen is not compiled.
	long := strings.Repeat("x", MaxRegexpBytes+1)
	if got := (Budgets{}).regexpsDisjoint(long, "y"); got != TooComplex {
		t.Errorf("regexpsDisjoint of a %d-byte regexp = %v, want TooComplex", len(long), got)
	}
	// Raised budgets let the same comparisons through.
	if got := (Budgets{RegexpBytes: 2 * MaxRegexpBytes}).regexpsDisjoint(long, "y"); got != Yes {
		t.Errorf("regexpsDisjoint of a %d-byte regexp with RegexpBytes raised = %v, want Yes", len(long), got)
	}
	a, b = alternatives("a", 500), alternatives("b", 500)
	if got := (Budgets{}).regexpsDisjoint(a, b); got != TooComplex {
		t.Errorf("regexpsDisjoint of two 500-alternative regexps = %v, want TooComplex", got)
	}
	if got := (Budgets{RegexpStates: 1_000_000}).regexpsDisjoint(a, b); got != Yes {
		t.Errorf("regexpsDisjoint of two 500-alternative regexps with RegexpStates raised = %v, want Yes", got)
	}
}

// TestDisjointMatchersBudget: matchers compared through automata beyond
// the budget are TooComplex unless another pair already proves them
// disjoint.
func TestDisjointMatchersBudget(t *testing.T) {
	ma := labels.MustNewMatcher(labels.MatchRegexp, "job", alternatives("a", 5000))
	mb := labels.MustNewMatcher(labels.MatchRegexp, "job", alternatives("b", 5000))
	if got := (Budgets{}).disjointMatchers([]*labels.Matcher{ma, mb}); got != TooComplex {
		t.Errorf("disjointMatchers = %v, want TooComplex", got)
	}
	x := labels.MustNewMatcher(labels.MatchEqual, "job", "x")
	y := labels.MustNewMatcher(labels.MatchEqual, "job", "y")
	if got := (Budgets{}).disjointMatchers([]*labels.Matcher{ma, mb, x, y}); got != Yes {
		t.Errorf("disjointMatchers with job=x and job=y too = %v, want Yes", got)
	}
}

// orJoins is groups or-chains of n selectors, each pinning l to a value of
// its own, joined one to one on l.
func orJoins(groups, n int) string {
	parts := make([]string, groups)
	for g := range parts {
		alts := make([]string, n)
		for i := range alts {
			alts[i] = fmt.Sprintf(`m%d{l="v%d"}`, g, i)
		}
		parts[g] = "(" + strings.Join(alts, " or ") + ")"
	}
	return strings.Join(parts, " * on (l) ")
}

// TestAlternativesBudget: a join of or-chains has the product of their
// alternatives (10^7 for seven chains of ten); past MaxAlternatives that
// part's value of the label is not known, and two such rules are
// TooComplex to compare, never a finding.
func TestAlternativesBudget(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	e, err := p.ParseExpr(orJoins(7, 10))
	if err != nil {
		t.Fatal(err)
	}
	// Past the budget a part is any value: what is left is a superset of
	// the values, within the budget.
	if got := ValueConstraint(e, "l"); len(got) > MaxAlternatives {
		t.Errorf("ValueConstraint past the budget: %d alternatives, more than %d", len(got), MaxAlternatives)
	}
	k := NewKept(intern.New(), Budgets{})
	oa := k.Of(e, []string{"l"})
	if !oa.tooComplex {
		t.Error("Outputs past the budget not marked too complex")
	}
	if got := DisjointOutputs(oa, oa, nil); got != TooComplex {
		t.Errorf("DisjointOutputs past the budget = %v, want TooComplex", got)
	}
	// Raised, the budget takes four chains of ten (10,000 alternatives).
	e4, err := p.ParseExpr(orJoins(4, 10))
	if err != nil {
		t.Fatal(err)
	}
	if k4 := NewKept(intern.New(), Budgets{}); !k4.Of(e4, []string{"l"}).tooComplex {
		t.Error("four chains of ten within the default budget")
	}
	if k4 := NewKept(intern.New(), Budgets{Alternatives: 10_000}); k4.Of(e4, []string{"l"}).tooComplex {
		t.Error("four chains of ten too complex with Alternatives 10,000")
	}
	if got := (Budgets{Alternatives: 10_000}).ValueConstraint(e4, "l"); len(got) != 10_000 {
		t.Errorf("ValueConstraint with Alternatives 10,000: %d alternatives, want 10,000", len(got))
	}
	// Within it: two chains of five on l, one to one, with other values.
	small, err := p.ParseExpr(orJoins(1, 5))
	if err != nil {
		t.Fatal(err)
	}
	other, err := p.ParseExpr(`m0{l="w"}`)
	if err != nil {
		t.Fatal(err)
	}
	os, oo := k.Of(small, []string{"l"}), k.Of(other, []string{"l"})
	if got := DisjointOutputs(os, oo, nil); got != Yes {
		t.Errorf("DisjointOutputs of l=~v0..v4 and l=w = %v, want Yes", got)
	}
	if got := DisjointOutputs(os, os, nil); got != No {
		t.Errorf("DisjointOutputs of an expression and itself = %v, want No", got)
	}
}
