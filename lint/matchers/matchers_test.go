package matchers

import (
	"regexp"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
)

// TestRegexpsDisjoint compares RegexpsDisjoint with the strings of a small
// alphabet: what it calls disjoint must have no string in common, and the
// pairs below without one must be found.
func TestRegexpsDisjoint(t *testing.T) {
	res := []string{
		"2..", "3..", "5..", "20.", "4[0-9][0-9]", "2.*", "5.*", ".*", ".+", "", "a?",
		"LIST|GET", "POST|PUT|PATCH|DELETE", "GET", "get", "(?i)get", "(?i)post|put",
		"a|ab|abc", "ab*c", "a(b|c)+", "[^a]*", "[a-c]{2}", "x\ny", "x.y", "(ba)+", "b(ab)*a",
		"^2..", `2\d\d`, "[[:digit:]]+", "kube-.*", ".*-system", "kube-system",
	}
	disjoint := map[[2]string]bool{
		{"2..", "3.."}: true, {"2..", "5.*"}: true, {"LIST|GET", "POST|PUT|PATCH|DELETE"}: true,
		{"GET", "get"}: true, {"(?i)get", "POST|PUT|PATCH|DELETE"}: true, {"a?", ".+"}: false,
		{"20.", "4[0-9][0-9]"}: true, {"", ".+"}: true,
	}
	var words []string
	var gen func(prefix string, n int)
	alphabet := []string{"", "2", "0", "3", "5", "a", "b", "c", "x", "y", "\n", "GET", "get", "Get", "LIST", "POST", "kube-", "system", "-"}
	gen = func(prefix string, n int) {
		words = append(words, prefix)
		if n == 0 {
			return
		}
		for _, s := range alphabet[1:] {
			gen(prefix+s, n-1)
		}
	}
	gen("", 3)
	compile := func(re string) *regexp.Regexp { return regexp.MustCompile("^(?s:" + re + ")$") }
	for _, a := range res {
		for _, b := range res {
			got := RegexpsDisjoint(a, b)
			if want, ok := disjoint[[2]string{a, b}]; ok && got != want {
				t.Errorf("RegexpsDisjoint(%q, %q) = %v, want %v", a, b, got, want)
			}
			if got != RegexpsDisjoint(b, a) {
				t.Errorf("RegexpsDisjoint(%q, %q) is not symmetric", a, b)
			}
			if !got {
				continue
			}
			ra, rb := compile(a), compile(b)
			for _, w := range words {
				if ra.MatchString(w) && rb.MatchString(w) {
					t.Errorf("RegexpsDisjoint(%q, %q): both match %q", a, b, w)
					break
				}
			}
		}
	}
	if RegexpsDisjoint("^2..", "3..") {
		t.Error("an assertion is followed: it should not be")
	}
}

func TestDisjointMatchers(t *testing.T) {
	m := func(typ labels.MatchType, v string) *labels.Matcher { return labels.MustNewMatcher(typ, "code", v) }
	for _, tc := range []struct {
		ms   []*labels.Matcher
		want bool
	}{
		{[]*labels.Matcher{m(labels.MatchEqual, "200"), m(labels.MatchEqual, "500")}, true},
		{[]*labels.Matcher{m(labels.MatchEqual, "200"), m(labels.MatchEqual, "200")}, false},
		{[]*labels.Matcher{m(labels.MatchEqual, "200"), m(labels.MatchRegexp, "5..")}, true},
		{[]*labels.Matcher{m(labels.MatchEqual, "500"), m(labels.MatchRegexp, "5..")}, false},
		{[]*labels.Matcher{m(labels.MatchEqual, "500"), m(labels.MatchNotEqual, "500")}, true},
		{[]*labels.Matcher{m(labels.MatchRegexp, "500|503"), m(labels.MatchNotRegexp, "5..")}, true},
		{[]*labels.Matcher{m(labels.MatchRegexp, "500|403"), m(labels.MatchNotRegexp, "5..")}, false},
		{[]*labels.Matcher{m(labels.MatchRegexp, "2.."), m(labels.MatchRegexp, "5..")}, true},
		// Not decided: a regular expression against a negative one.
		{[]*labels.Matcher{m(labels.MatchRegexp, "5.."), m(labels.MatchNotRegexp, "5..")}, false},
		{[]*labels.Matcher{m(labels.MatchRegexp, "5..")}, false},
		{nil, false},
	} {
		if got := DisjointMatchers(tc.ms); got != tc.want {
			t.Errorf("DisjointMatchers(%v) = %v, want %v", tc.ms, got, tc.want)
		}
	}
}
