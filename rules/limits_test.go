package rules

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestExprLimits(t *testing.T) {
	tests := []struct {
		name, expr string
		pos        Pos // of the error in ruleOf(expr); zero for none
		msg        string
	}{
		{"at the limit", strings.Repeat("a + ", 256) + "a", Pos{}, ""},
		{"operators", strings.Repeat("a + ", 300) + "a", Pos{6, 1033}, "expression has more than 256 operators: split it into recording rules"},
		{"unary minus", strings.Repeat("-", 1000) + "a", Pos{6, 263}, "expression has more than 256 operators"},
		{"or chain", strings.Repeat("sum(x) or ", 300) + "a", Pos{6, 2574}, "expression has more than 256 operators"},
		{"parentheses", strings.Repeat("(", 200) + "a" + strings.Repeat(")", 200), Pos{6, 135}, "expression nests more than 128 levels deep"},
		// Matchers, strings and comments hold no operators.
		{"matchers", "a{" + strings.Repeat(`l!="a-b+c",`, 500) + "}", Pos{}, ""},
		{"strings", `label_replace(a, "x", "` + strings.Repeat("-+*/", 500) + `", "y", "(.*)")`, Pos{}, ""},
		{"comment", "a # " + strings.Repeat("- ", 500) + "\n      + b", Pos{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := Parse("e.yaml", ruleOf(tc.expr), Options{})
			if tc.msg == "" {
				if len(errs) > 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			if len(errs) != 1 || errs[0].Pos != tc.pos || !strings.HasPrefix(errs[0].Msg, tc.msg) {
				t.Fatalf("errors %v, want %q at %v", errs, tc.msg, tc.pos)
			}
		})
	}
	// The limits are options.
	if _, errs := Parse("e.yaml", ruleOf(strings.Repeat("a + ", 300)+"a"), Options{MaxExprOperators: 1000}); len(errs) > 0 {
		t.Errorf("MaxExprOperators 1000: %v", errs)
	}
	if _, errs := Parse("e.yaml", ruleOf(strings.Repeat("(", 200)+"a"+strings.Repeat(")", 200)), Options{MaxExprNesting: 200}); len(errs) > 0 {
		t.Errorf("MaxExprNesting 200: %v", errs)
	}
	// Each message names the flag that raises its limit.
	for _, tc := range []struct{ expr, flag string }{
		{strings.Repeat("a + ", 300) + "a", "--max-expr-operators"},
		{strings.Repeat("(", 200) + "a" + strings.Repeat(")", 200), "--max-expr-nesting"},
	} {
		if _, errs := Parse("e.yaml", ruleOf(tc.expr), Options{}); len(errs) != 1 || !strings.Contains(errs[0].Msg, "(or raise "+tc.flag+")") {
			t.Errorf("errors %v, want one naming %s", errs, tc.flag)
		}
	}
}

func TestAliasLimits(t *testing.T) {
	// Labels shared by anchor among 2,000 rules: a document's own size in
	// expansion, accepted.
	var b strings.Builder
	b.WriteString("groups:\n  - name: g\n    rules:\n")
	for i := range 2000 {
		if i == 0 {
			b.WriteString("      - record: r0\n        expr: sum(up)\n        labels: &l {team: platform, tier: backend, owner: sre}\n")
			continue
		}
		fmt.Fprintf(&b, "      - record: r%d\n        expr: sum(up)\n        labels: *l\n", i)
	}
	if _, errs := Parse("shared.yaml", []byte(b.String()), Options{}); len(errs) > 0 {
		t.Fatalf("shared labels refused: %v", errs[0])
	}
	// A document that expands past its own size and 100,000 nodes is
	// refused at the alias that goes over, before anything is decoded.
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	_, errs := Parse("bomb.yaml", []byte(bomb), Options{})
	if len(errs) != 1 || errs[0].Pos != (Pos{5, 33}) || !strings.Contains(errs[0].Msg, "aliases expand the document by more than 100000 nodes") ||
		!strings.HasSuffix(errs[0].Msg, "(--max-alias-nodes raises the limit)") {
		t.Fatalf("errors %v", errs)
	}
	// The limit is an option: 10 x 10 x 10 x 10 x 10 nodes pass under 200,000.
	// (It is no rule file: the errors left are its unknown keys.)
	if _, errs := Parse("bomb.yaml", []byte(bomb), Options{MaxAliasNodes: 200_000}); len(errs) == 0 || strings.Contains(errs.Error(), "alias") {
		t.Fatalf("MaxAliasNodes 200000: %v", errs)
	}
	// Bytes of text count too: a 1 MiB string repeated eight times.
	big := "a: &a " + strings.Repeat("x", 1<<20) + "\nb: [*a, *a, *a, *a, *a, *a, *a, *a]\n"
	_, errs = Parse("text.yaml", []byte(big), Options{})
	if len(errs) != 1 || errs[0].Pos != (Pos{2, 21}) || !strings.Contains(errs[0].Msg, "more than 4194304 bytes of text") ||
		!strings.HasSuffix(errs[0].Msg, "(--max-alias-bytes raises the limit)") {
		t.Fatalf("errors %v", errs)
	}
	if _, errs := Parse("text.yaml", []byte(big), Options{MaxAliasBytes: 16 << 20}); len(errs) == 0 || strings.Contains(errs.Error(), "alias") {
		t.Fatalf("MaxAliasBytes 16 MiB: %v", errs)
	}
}

// TestSourcePositions checks the marks of long lines against counting
// from the start of the line, both ways, on random text.
func TestSourcePositions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	parts := []string{"a", "é", "€", "😀", " ", "\n", "\r\n", "\r", strings.Repeat("x", 700)}
	var b strings.Builder
	for range 5000 {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	text := []byte(b.String())
	src := newSource(text)
	for off := 0; off <= len(text); off++ {
		if off < len(text) && !utf8.RuneStart(text[off]) {
			continue
		}
		line := 0
		for line+1 < len(src.lines) && src.lines[line+1] <= off {
			line++
		}
		want := Pos{Line: line + 1, Col: utf8.RuneCount(text[src.lines[line]:off]) + 1}
		if got := src.pos(off); got != want {
			t.Fatalf("pos(%d) = %v, want %v", off, got, want)
		}
		if off < len(text) && breakLen(text, off) == 0 && (off == 0 || text[off-1] != '\r' || text[off] != '\n') {
			if got := src.offset(want); got != off {
				t.Fatalf("offset(%v) = %d, want %d", want, got, off)
			}
		}
	}
}
