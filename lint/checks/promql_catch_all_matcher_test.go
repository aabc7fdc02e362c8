package checks

import (
	"testing"

	"github.com/prometheus/prometheus/model/labels"
)

// dropMatcher removes a catch-all matcher with its separator, or gives
// no fix when what is left would not select the same series.
func TestDropMatcher(t *testing.T) {
	for _, tc := range []struct{ expr, label, want string }{
		{`up{job=~".*"}`, "job", `up`},
		{`up {job=~".*"}`, "job", `up`},
		{`up{job=~".*",}`, "job", `up`},
		{`up{job=~".*", instance="a"}`, "job", `up{instance="a"}`},
		{`up{instance="a",job=~".*"}`, "job", `up{instance="a"}`},
		{`up{instance="a", job=~".*",}`, "job", `up{instance="a",}`},
		{`rate(up{instance="a", job=~".*"}[5m])`, "job", `rate(up{instance="a"}[5m])`},
		{`{__name__=~".*", job="x"}`, "__name__", `{job="x"}`},
		{`{job="x", instance=~".*"} / up{instance=~".*"}`, "instance", `{job="x"} / up{instance=~".*"}`},
		{`{instance=~".*", job=~".+"}`, "instance", `{job=~".+"}`},
		// Written twice: dropping one leaves the other, not what the
		// check means; no fix.
		{`up{job=~".*", job=~".*"}`, "job", ``},
	} {
		e, err := promqlParser.ParseExpr(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		vs := vectorSelectors(e)[0]
		var m *labels.Matcher
		for _, x := range vs.LabelMatchers {
			if x.Name == tc.label {
				m = x
			}
		}
		start, end, ok := dropMatcher(tc.expr, e, vs, m)
		got := ""
		if ok {
			got = tc.expr[:start] + tc.expr[end:]
		}
		if got != tc.want {
			t.Errorf("%s without %s: got %q, want %q", tc.expr, tc.label, got, tc.want)
		}
	}
}
