package online

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/internal/apitest"
	"github.com/oomguard/oomguard/promapi"
)

// Six hours of samples a minute. old_metric stops after three.
const load = `load 1m
  up{job="a", instance="x"} 1x360
  old_metric{job="a"} 1x180
  http_requests_total{job="a", code="200"} 0+1x360
  http_requests_total{job="b", code="500"} 0+1x360
`

var now = time.Unix(0, 0).Add(360 * time.Minute)

func newProber(t *testing.T, srv *apitest.Server) *Prober {
	t.Helper()
	c, err := promapi.New(promapi.Config{URL: srv.URL, Rate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return NewProber(c, Options{Now: now, Recent: time.Hour, Lookback: 6 * time.Hour})
}

func vs(t *testing.T, sel string) *parser.VectorSelector {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(sel)
	if err != nil {
		t.Fatal(err)
	}
	return e.(*parser.VectorSelector)
}

func TestSelector(t *testing.T) {
	srv := apitest.New(t, load)
	p := newProber(t, srv)
	for _, tc := range []struct {
		sel  string
		want string
	}{
		{`up{job="a"}`, "matches"},
		{`nope{job="a"}`, "no metric"},
		{`up{job="b"}`, `failing job="b", values [a]`},
		{`old_metric{job="a"}`, "no metric, last seen 3h0m0s"},
		{`http_requests_total{job="a", code="500"}`, "no series has them all"},
		{`{job="c"}`, `failing job="c", values []`},
	} {
		t.Run(tc.sel, func(t *testing.T) {
			st, err := p.Selector(context.Background(), vs(t, tc.sel))
			if err != nil {
				t.Fatal(err)
			}
			var got string
			switch {
			case st.Matches:
				got = "matches"
			case st.NoMetric:
				got = "no metric"
			case st.Failing != nil:
				got = fmt.Sprintf("failing %s, values %v", st.Failing, st.Values)
			default:
				got = "no series has them all"
			}
			if !st.LastSeen.IsZero() {
				got += fmt.Sprintf(", last seen %v", st.LastSeen.Sub(time.Unix(0, 0)))
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	// Cached: asking again sends nothing.
	before := p.Client().Requests()
	if _, err := p.Selector(context.Background(), vs(t, `up{job="b"}`)); err != nil {
		t.Fatal(err)
	}
	if p.Client().Requests() != before {
		t.Errorf("a selector asked twice was sent twice")
	}
}

func TestHasLabelAndInterval(t *testing.T) {
	srv := apitest.New(t, load)
	p := newProber(t, srv)
	ctx := context.Background()
	for label, want := range map[string]bool{"instance": true, "pod": false} {
		got, err := p.HasLabel(ctx, vs(t, `up{job="a"}`), label)
		if err != nil || got != want {
			t.Errorf("up carries %s: %v %v, want %v", label, got, err, want)
		}
	}
	d, err := p.Interval(ctx, vs(t, `http_requests_total`))
	if err != nil || d != time.Minute {
		t.Errorf("interval %v %v, want 1m", d, err)
	}
	d, err = p.Interval(ctx, vs(t, `nope`))
	if err != nil || d != 0 {
		t.Errorf("interval of nothing %v %v", d, err)
	}
}

// Minute by minute: active (1) in three runs, 10-15, 26-46 and 52-53.
func backtestLoad() string {
	var v []string
	for i := 0; i <= 120; i++ {
		x := "0"
		if i >= 10 && i <= 15 || i >= 26 && i <= 46 || i >= 52 && i <= 53 {
			x = "1"
		}
		v = append(v, x)
	}
	return "load 1m\n  errors{job=\"a\"} " + strings.Join(v, " ") + "\n  errors{job=\"b\"} 0x120\n"
}

func TestBacktest(t *testing.T) {
	srv := apitest.New(t, backtestLoad())
	c, err := promapi.New(promapi.Config{URL: srv.URL, Rate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// Now within a minute, in nanoseconds, as time.Now gives it: the
	// range is still whole steps, and instants compare in milliseconds.
	p := NewProber(c, Options{Now: time.Unix(0, 0).Add(119*time.Minute + 13*time.Second + 320328506)})
	for _, tc := range []struct {
		name               string
		forDur, keepFiring time.Duration
		step               time.Duration
		firings            int
		longest            time.Duration
		queries            int
	}{
		// Runs of 6, 21 and 2 minutes.
		{"for 0", 0, 0, time.Minute, 3, 21 * time.Minute, 1},
		// Pending for 3m: the first two fire for 3m and 18m, the third never.
		{"for 3m", 3 * time.Minute, 0, time.Minute, 2, 18 * time.Minute, 1},
		// Held through the gaps of 10 and 5 minutes: one firing, 10m to 64m.
		{"keep_firing_for 10m", 0, 10 * time.Minute, time.Minute, 1, 54 * time.Minute, 1},
		// A gap of 10m is not held by 9m: two firings, 10-25 and 26-63.
		{"keep_firing_for 9m", 0, 9 * time.Minute, time.Minute, 2, 37 * time.Minute, 1},
		// Half a second: 14,281 points, two range queries; the same answer.
		{"for 3m at 0.5s", 3 * time.Minute, 0, 500 * time.Millisecond, 2, 18 * time.Minute, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := p.Backtest(context.Background(), `errors > 0`, BacktestOptions{Range: 119 * time.Minute, Step: tc.step, For: tc.forDur, KeepFiringFor: tc.keepFiring})
			if err != nil {
				t.Fatal(err)
			}
			if b.Firings != tc.firings || b.Longest != tc.longest || b.Queries != tc.queries {
				t.Errorf("firings %d, longest %v, %d queries; want %d, %v, %d", b.Firings, b.Longest, b.Queries, tc.firings, tc.longest, tc.queries)
			}
			if b.Instances != 1 || b.LongestLabels["job"] != "a" {
				t.Errorf("instances %d, longest %v", b.Instances, b.LongestLabels)
			}
		})
	}
}

func TestReplayFiringAtTheEnd(t *testing.T) {
	start := time.Unix(0, 0)
	var active []time.Time
	for i := 5; i <= 10; i++ {
		active = append(active, start.Add(time.Duration(i)*time.Minute))
	}
	n, longest, atEnd := Replay(active, start, start.Add(10*time.Minute), time.Minute, 2*time.Minute, 0)
	if n != 1 || longest != 3*time.Minute || !atEnd {
		t.Errorf("%d firings, longest %v, at the end %v", n, longest, atEnd)
	}
}

func TestRecord(t *testing.T) {
	srv := apitest.New(t, load+"  job:up:sum{job=\"a\"} 1x360\n")
	srv.SetRules(`{"groups":[{"name":"g","file":"/etc/rules/a.yaml","rules":[
		{"type":"recording","name":"job:up:sum","query":"sum by (job) (up)"},
		{"type":"alerting","name":"up","query":"up == 0"}]}]}`)
	p := newProber(t, srv)
	ctx := context.Background()
	r, err := p.Record(ctx, "job:up:sum")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.Rules) != "[{g /etc/rules/a.yaml sum by (job) (up)}]" || !r.Series || fmt.Sprint(r.Jobs) != "[a]" {
		t.Errorf("job:up:sum: %+v", r)
	}
	// A name the server scrapes, and one it has nowhere.
	r, err = p.Record(ctx, "up")
	if err != nil || len(r.Rules) != 0 || !r.Series || fmt.Sprint(r.Jobs) != "[a]" {
		t.Errorf("up: %+v %v", r, err)
	}
	r, err = p.Record(ctx, "job:nothing:sum")
	if err != nil || len(r.Rules) != 0 || r.Series {
		t.Errorf("job:nothing:sum: %+v %v", r, err)
	}
	if n := srv.Requests("/api/v1/rules"); n != 1 {
		t.Errorf("the rules were asked for %d times, want once", n)
	}
}

// A series younger than two windows is not measured: it would look
// sparse.
func TestIntervalOfANewSeries(t *testing.T) {
	srv := apitest.New(t, "load 1m\n  young{job=\"a\"} _x355 1x5\n  old{job=\"a\"} 1x360\n")
	p := newProber(t, srv)
	for sel, want := range map[string]time.Duration{"young": 0, "old": time.Minute} {
		d, err := p.Interval(context.Background(), vs(t, sel))
		if err != nil || d != want {
			t.Errorf("interval of %s: %v %v, want %v", sel, d, err, want)
		}
	}
}

func parse(t *testing.T, q string) parser.Expr {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(q)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestMissingSelectors(t *testing.T) {
	srv := apitest.New(t, load)
	p := newProber(t, srv)
	recorded := func(m string) bool { return m == "job:new:sum" }
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`sum by (job) (rate(http_requests_total{job="a"}[5m]))`, nil},
		{`sum(rate(http_requests_totl[5m]))`, []string{`http_requests_totl: no series named http_requests_totl on SERVER in the last 1h (nor in the last 6h)`}},
		{`up{job="b"} == 0`, []string{`up{job="b"}: up exists on SERVER, but no series of it has job="b" (job has "a") (nor in the last 6h)`}},
		{`old_metric > 0`, []string{`old_metric: no series named old_metric on SERVER in the last 1h; it matched until 3h ago (1970-01-01 03:00 UTC)`}},
		// Meant to be missing: absent, unless, one side of or.
		{`absent(nope)`, nil},
		{`up unless on (job) nope`, nil},
		{`nope or up`, nil},
		{`nope or nada`, []string{"nope: no series named nope", "nada: no series named nada"}},
		// Recorded by the rules being linted.
		{`job:new:sum > 0`, nil},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			fs, err := p.MissingSelectors(context.Background(), parse(t, tc.expr), recorded)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != len(tc.want) {
				t.Fatalf("findings %v, want %d", fs, len(tc.want))
			}
			for i, f := range fs {
				want := strings.ReplaceAll(tc.want[i], "SERVER", srv.URL)
				if !strings.HasPrefix(f.Msg, want) {
					t.Errorf("got  %s\nwant %s", f.Msg, want)
				}
			}
		})
	}
}

func TestMissingLabels(t *testing.T) {
	srv := apitest.New(t, load)
	p := newProber(t, srv)
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`sum by (job, code) (rate(http_requests_total[5m]))`, nil},
		{`sum by (pod) (rate(http_requests_total[5m]))`, []string{`by (pod) reads label "pod", which no series of http_requests_total carries`}},
		// Made by label_replace: nothing to read.
		{`sum by (pod) (label_replace(up, "pod", "$1", "instance", "(.*)"))`, nil},
		{`up * on (job, pod) group_left () sum by (job) (http_requests_total)`, []string{`on (job, pod) reads label "pod", which no series of up carries`}},
		// Aggregated away on the right: the offline checks' business.
		{`up * on (job) group_left (instance) sum by (job) (http_requests_total)`, nil},
		{`up * on (job) group_left (code) max by (job, code) (http_requests_total)`, nil},
		{`up * on (job) group_left (pod) max by (job, pod) (http_requests_total)`, []string{`group_left (pod) reads label "pod"`, `by (job, pod) reads label "pod"`}},
		// Both sides of an on without the label: one finding, both named.
		{`up * on (pod) http_requests_total`, []string{`on (pod) reads label "pod", which no series of up, http_requests_total carries`}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			fs, err := p.MissingLabels(context.Background(), LabelUses(parse(t, tc.expr)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != len(tc.want) {
				t.Fatalf("findings %v, want %d", fs, len(tc.want))
			}
			for i, f := range fs {
				if !strings.HasPrefix(f.Msg, tc.want[i]) {
					t.Errorf("got  %s\nwant %s", f.Msg, tc.want[i])
				}
			}
		})
	}
}

func TestShort(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 90 * time.Minute: "1h30m", 24 * time.Hour: "1d", 7 * 24 * time.Hour: "7d", 36 * time.Hour: "1d12h",
	} {
		if got := Short(d); got != want {
			t.Errorf("Short(%v) = %s, want %s", d, got, want)
		}
	}
}
