package rules

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/promql/parser"
)

// TestRootCauses checks that a broken expression gets one error a mistake,
// the root cause of a syntax error rather than what the parser said while
// recovering from it.
func TestRootCauses(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		// The parser adds "no arguments for aggregate expression provided".
		{`sum(rate(container_cpu_usage_seconds_total[5m]) > 1`, []string{"unclosed left parenthesis"}},
		// ... and here "unclosed left bracket".
		{`rate(x[5m) > 1`, []string{`unexpected ")" in subquery or range, expected ":" or "]"`}},
		{`sum by (a (x)`, []string{`unexpected "(" in grouping opts, expected "," or ")"`}},
		{`rate(x[5m) + rate(y[5m)`, []string{`unexpected ")" in subquery or range, expected ":" or "]"`}},
		{`sum(x) by (`, []string{"unclosed left parenthesis"}},
		{`x{a="b} > 1`, []string{"unterminated quoted string"}},
		// No syntax error: each error is a mistake of its own.
		{`rate(x) + rate(y)`, []string{
			`expected type range vector in call to function "rate", got instant vector`,
			`expected type range vector in call to function "rate", got instant vector`,
		}},
		{`x{a=~"("} + y{b=~")"}`, []string{"error parsing regexp: missing closing ): `(`", "error parsing regexp: unexpected ): `)`"}},
		{`sum()`, []string{"no arguments for aggregate expression provided"}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := parser.NewParser(parser.Options{}).ParseExpr(tc.expr)
			perrs, ok := err.(parser.ParseErrors)
			if !ok {
				t.Fatalf("ParseExpr: %v, want parse errors", err)
			}
			var got []string
			for _, pe := range rootCauses(perrs) {
				got = append(got, pe.Err.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rootCauses (-want +got):\n%s\nall errors: %s", diff, strings.ReplaceAll(err.Error(), "\n", "; "))
			}
		})
	}
}
