package rules

import (
	"strings"
	"testing"
)

// TestExprPos checks that a PromQL parse error lands on the line and column
// of the bad token in the file, for every YAML scalar style.
func TestExprPos(t *testing.T) {
	const head = "groups:\n- name: g\n  rules:\n  - alert: A\n"
	// ⟦ marks the bad token: the test removes it and expects the error at
	// its line and column.
	tests := []struct {
		name string
		expr string // the YAML of the expr entry, indented under the rule
	}{
		{"plain", "    expr: sum(rate(x[5m])) by (job) >⟦> 1\n"},
		{"plain multi-line", "    expr: sum(rate(x[5m]))\n      by (job)\n      > ⟦> 1\n"},
		{"plain after blank line", "    expr: up\n\n      == ⟦== 1\n"},
		{"single-quoted", "    expr: 'up{job=''a''} == ⟦== 1'\n"},
		{"single-quoted multi-line", "    expr: 'sum(up{job=''a''})\n      by (job) ⟦)'\n"},
		{"double-quoted", "    expr: \"up{job=\\\"a\\\"} == ⟦== 1\"\n"},
		{"double-quoted escape", "    expr: \"up{job=\\\"a\\\"}\\t⟦}\"\n"},
		{"double-quoted unicode escape", "    expr: \"up{job=\\\"\\u00e9\\\"} @⟦@\"\n"},
		{"double-quoted escape is the bad token", "    expr: \"up{job=\\\"a\\\"} ⟦\\u00e9\"\n"},
		{"double-quoted multi-line", "    expr: \"sum(up)\n      by (job) ⟦)\"\n"},
		{"double-quoted escaped break", "    expr: \"sum(up) by \\\n      (job) ⟦)\"\n"},
		{"literal", "    expr: |\n      sum(up)\n        by (job)\n      > ⟦> 1\n"},
		{"literal with indicator", "    expr: |2\n        sum(up)\n      ⟦)\n"},
		{"literal with blank lines", "    expr: |\n      sum(up)\n\n      by (job) ⟦)\n"},
		{"folded", "    expr: >\n      sum(up)\n      by (job)\n      > ⟦> 1\n"},
		{"folded strip", "    expr: >-\n      sum(rate(up[5m]))\n      by (job, ⟦, x)\n"},
		{"folded more indented", "    expr: >\n      sum(up)\n        by (job)\n      ⟦) x\n"},
		{"folded with comment", "    expr: > # why\n      absent(up) ==\n      ⟦== 1\n"},
		{"unicode before token", "    expr: up{job=\"é€\"} @⟦@\n"},
		{"crlf folded", "    expr: >\r\n      sum(up)\r\n      ⟦) x\r\n"},
		{"crlf plain", "    expr: sum(up)\r\n      ⟦) x\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nl := "\n"
			if strings.Contains(tc.expr, "\r\n") {
				nl = "\r\n"
			}
			marked := strings.ReplaceAll(head, "\n", nl) + tc.expr
			want := markerPos(t, marked)
			src := strings.Replace(marked, "⟦", "", 1)
			_, errs := Parse("f.yaml", []byte(src), Options{})
			var got *Error
			for _, e := range errs {
				if strings.Contains(e.Msg, "could not parse expression") {
					got = e
					break
				}
			}
			if got == nil {
				t.Fatalf("no parse error; errors: %v", errs)
			}
			if got.Pos != want {
				t.Errorf("position %s, want %s (%s)", got.Pos, want, got.Msg)
			}
		})
	}
}

// markerPos returns the line and column of the marker ⟦ in s.
func markerPos(t *testing.T, s string) Pos {
	t.Helper()
	i := strings.Index(s, "⟦")
	if i < 0 {
		t.Fatal("test case has no marker")
	}
	return newSource([]byte(s)).pos(i)
}

// TestPositions: Positions is PosAt for every offset of a value, whatever
// its style.
func TestPositions(t *testing.T) {
	src := "groups:\n- name: g\n  rules:\n  - alert: A\n" +
		"    expr: |\n      sum(up)\n\n        by (job) > 1\n" +
		"    annotations:\n" +
		"      a: plain text\n        on two lines\n" +
		"      b: 'single ''quoted'''\n" +
		"      c: \"double \\u00e9 \\\"quoted\\\" \\\n        joined\"\n" +
		"      d: >-\n        folded\n        text\n"
	f, errs := Parse("f.yaml", []byte(src), Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	r := f.Groups()[0].Rules[0]
	values := []Str{r.Expr, r.Alert}
	for _, p := range r.Annotations {
		values = append(values, p.Key, p.Value)
	}
	for _, s := range values {
		at := f.Positions(s)
		for off := -1; off <= len(s.Value)+1; off++ {
			if got, want := at(off), f.PosAt(s, off); got != want {
				t.Errorf("%q at %d: %s, PosAt says %s", s.Value, off, got, want)
			}
		}
	}
}
