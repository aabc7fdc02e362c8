// Package apitest serves the read endpoints of the Prometheus HTTP API
// (query, query_range, series, label values) from the real Prometheus
// engine over series given in promqltest's load format, for the tests of
// the packages that query a server. End-to-end tests use a real server;
// this is for unit tests that need exact, timeless data.
package apitest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/storage"
)

// Server is the API over loaded series. Requests counts the requests it
// answered, by path.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int
	rules    string
}

// SetRules sets the answer's data of /api/v1/rules, as JSON
// ({"groups": [...]}).
func (s *Server) SetRules(data string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = data
}

// Requests is the number of requests to path so far.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// New loads the series (promqltest's load commands, time starting at the
// Unix epoch) and serves them until the test ends.
func New(t testing.TB, load string) *Server {
	t.Helper()
	st := promqltest.LoadedStorage(t, load)
	ng := promqltest.NewTestEngine(t, false, 5*time.Minute, 10_000_000)
	s := &Server{requests: map[string]int{}}
	var mu sync.Mutex // the test storage's queriers are not for concurrent use
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.URL.Path]++
		s.mu.Unlock()
		if err := r.ParseForm(); err != nil {
			apiError(w, http.StatusBadRequest, "bad_data", err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.URL.Path == "/api/v1/query":
			q, err := ng.NewInstantQuery(r.Context(), st, nil, r.Form.Get("query"), formTime(r, "time"))
			answer(w, q, err)
		case r.URL.Path == "/api/v1/query_range":
			step, _ := strconv.ParseFloat(r.Form.Get("step"), 64)
			q, err := ng.NewRangeQuery(r.Context(), st, nil, r.Form.Get("query"), formTime(r, "start"), formTime(r, "end"),
				time.Duration(step*float64(time.Second)))
			answer(w, q, err)
		case r.URL.Path == "/api/v1/rules":
			s.mu.Lock()
			data := s.rules
			s.mu.Unlock()
			if data == "" {
				data = `{"groups":[]}`
			}
			fmt.Fprintf(w, `{"status":"success","data":%s}`, data)
		case r.URL.Path == "/api/v1/series":
			series(w, r, st)
		case strings.HasPrefix(r.URL.Path, "/api/v1/label/") && strings.HasSuffix(r.URL.Path, "/values"):
			labelValues(w, r, st, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/label/"), "/values"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func formTime(r *http.Request, key string) time.Time {
	f, _ := strconv.ParseFloat(r.Form.Get(key), 64)
	return time.UnixMilli(int64(math.Round(f * 1000)))
}

func apiError(w http.ResponseWriter, status int, typ string, err error) {
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"status":"error","errorType":%q,"error":%q}`, typ, err.Error())
}

func success(w http.ResponseWriter, data any) {
	b, err := json.Marshal(map[string]any{"status": "success", "data": data})
	if err != nil {
		apiError(w, http.StatusInternalServerError, "internal", err)
		return
	}
	w.Write(b)
}

type sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value,omitempty"`
	Values [][2]any          `json:"values,omitempty"`
}

func point(t int64, f float64) [2]any {
	return [2]any{float64(t) / 1000, strconv.FormatFloat(f, 'f', -1, 64)}
}

func answer(w http.ResponseWriter, q promql.Query, err error) {
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_data", err)
		return
	}
	defer q.Close()
	res := q.Exec(context.Background())
	if res.Err != nil {
		apiError(w, http.StatusUnprocessableEntity, "execution", res.Err)
		return
	}
	out := []sample{}
	var typ string
	switch v := res.Value.(type) {
	case promql.Vector:
		typ = "vector"
		for _, s := range v {
			out = append(out, sample{Metric: s.Metric.Map(), Value: point(s.T, s.F)})
		}
	case promql.Matrix:
		typ = "matrix"
		for _, s := range v {
			smp := sample{Metric: s.Metric.Map()}
			for _, p := range s.Floats {
				smp.Values = append(smp.Values, point(p.T, p.F))
			}
			out = append(out, smp)
		}
	case promql.Scalar:
		success(w, map[string]any{"resultType": "scalar", "result": point(v.T, v.V)})
		return
	default:
		apiError(w, http.StatusUnprocessableEntity, "execution", fmt.Errorf("unsupported result %s", res.Value.Type()))
		return
	}
	success(w, map[string]any{"resultType": typ, "result": out})
}

func matchers(r *http.Request) ([][]*labels.Matcher, error) {
	var out [][]*labels.Matcher
	for _, m := range r.Form["match[]"] {
		ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector(m)
		if err != nil {
			return nil, err
		}
		out = append(out, ms)
	}
	return out, nil
}

func limit(r *http.Request) int {
	n, _ := strconv.Atoi(r.Form.Get("limit"))
	return n
}

// listing reads the matchers and opens a querier of the request's range;
// on failure it has answered with the error.
func listing(w http.ResponseWriter, r *http.Request, st storage.Queryable) ([][]*labels.Matcher, storage.Querier, bool) {
	sets, err := matchers(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_data", err)
		return nil, nil, false
	}
	q, err := st.Querier(formTime(r, "start").UnixMilli(), formTime(r, "end").UnixMilli())
	if err != nil {
		apiError(w, http.StatusInternalServerError, "internal", err)
		return nil, nil, false
	}
	return sets, q, true
}

func series(w http.ResponseWriter, r *http.Request, st storage.Queryable) {
	sets, q, ok := listing(w, r, st)
	if !ok {
		return
	}
	defer q.Close()
	seen := map[string]bool{}
	out := []map[string]string{}
	for _, ms := range sets {
		ss := q.Select(context.Background(), true, nil, ms...)
		for ss.Next() {
			l := ss.At().Labels()
			if !seen[l.String()] {
				seen[l.String()] = true
				out = append(out, l.Map())
			}
		}
		if err := ss.Err(); err != nil {
			apiError(w, http.StatusInternalServerError, "internal", err)
			return
		}
	}
	if n := limit(r); n > 0 && len(out) > n {
		out = out[:n]
	}
	success(w, out)
}

func labelValues(w http.ResponseWriter, r *http.Request, st storage.Queryable, name string) {
	sets, q, ok := listing(w, r, st)
	if !ok {
		return
	}
	defer q.Close()
	if len(sets) == 0 {
		sets = [][]*labels.Matcher{nil}
	}
	seen := map[string]bool{}
	out := []string{}
	for _, ms := range sets {
		vals, _, err := q.LabelValues(context.Background(), name, nil, ms...)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "internal", err)
			return
		}
		for _, v := range vals {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	if n := limit(r); n > 0 && len(out) > n {
		out = out[:n]
	}
	success(w, out)
}
