package rules

import (
	"strings"
	"testing"
)

// TestSourceEdit makes an edit of an expression in each scalar style and
// reads the file back: the expression must be the edited one, and nothing
// else of the file may change.
func TestSourceEdit(t *testing.T) {
	const old, repl = `up{job=~"a"}`, `up{job="a"}`
	for _, tc := range []struct {
		name, expr string
		ok         bool
	}{
		{"plain", `expr: sum(up{job=~"a"})`, true},
		{"double", `expr: "sum(up{job=~\"a\"})"`, true},
		{"single", `expr: 'sum(up{job=~"a"})'`, true},
		{"literal", "expr: |\n          sum(up{job=~\"a\"})", true},
		{"folded", "expr: >\n          sum(\n          up{job=~\"a\"})", true},
		{"escape outside the range", `expr: "sum(up{job=~\x22a\"})"`, true},
		{"escape in the range", `expr: "sum(up{job=\x7e\"a\"})"`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "# keep\ngroups:\n  - name: g\n    rules:\n      - record: r:up:sum\n        " + tc.expr + "\n        labels: {a: b} # keep\n"
			f, errs := Parse("x.yaml", []byte(src), Options{})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			e := f.Docs[0].Groups[0].Rules[0].Expr
			i := strings.Index(e.Value, old)
			if i < 0 {
				t.Fatalf("%q not in %q", old, e.Value)
			}
			// The edit: =~ becomes =.
			start, end := i+len("up{job="), i+len("up{job=~")
			from, to, text, ok := f.SourceEdit(e, start, end, "")
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			out := src[:from] + text + src[to:]
			g, errs := Parse("x.yaml", []byte(out), Options{})
			if len(errs) > 0 {
				t.Fatalf("%v\n%s", errs, out)
			}
			want := strings.Replace(e.Value, old, repl, 1)
			if got := g.Docs[0].Groups[0].Rules[0].Expr.Value; got != want {
				t.Errorf("expr %q, want %q", got, want)
			}
			if strings.Count(out, "# keep") != 2 || to-from > len(`\x7e`) || text != "" {
				t.Errorf("more than the edit changed:\n%s", out)
			}
		})
	}
	// A range across a line fold cannot be edited in place.
	folded := "groups:\n  - name: g\n    rules:\n      - record: r:up:sum\n        expr: sum(up{job=~\"a\"}\n          )\n"
	ff, errs := Parse("x.yaml", []byte(folded), Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	fe := ff.Docs[0].Groups[0].Rules[0].Expr
	i := strings.Index(fe.Value, "} )")
	if _, _, _, ok := ff.SourceEdit(fe, i, i+3, "})"); ok || i < 0 {
		t.Errorf("an edit across a line fold of %q was accepted", fe.Value)
	}

	// Inserting quotes into each quoted style escapes them.
	src := "groups:\n  - name: g\n    rules:\n      - record: r:up:sum\n        expr: \"sum(up)\"\n"
	f, _ := Parse("x.yaml", []byte(src), Options{})
	e := f.Docs[0].Groups[0].Rules[0].Expr
	from, to, text, ok := f.SourceEdit(e, len("sum(up"), len("sum(up"), `{a!=""}`)
	if !ok {
		t.Fatal("insert into a double-quoted scalar refused")
	}
	g, errs := Parse("x.yaml", []byte(src[:from]+text+src[to:]), Options{})
	if len(errs) > 0 || g.Docs[0].Groups[0].Rules[0].Expr.Value != `sum(up{a!=""})` {
		t.Errorf("insert: %v %q", errs, g.Docs[0].Groups[0].Rules[0].Expr.Value)
	}
}
