package promapi

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

const vectorAnswer = `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a"},"value":[1700000000,"1"]}]}}`

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestQuery(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		if r.URL.Path != "/prefix/api/v1/query" || r.Method != http.MethodPost {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if r.Form.Get("query") != "up" || r.Form.Get("time") != "1700000000" || r.Form.Get("timeout") != "5s" {
			t.Errorf("form %v", r.Form)
		}
		if r.Header.Get("X-Scope-OrgID") != "team" {
			t.Errorf("header %q", r.Header.Get("X-Scope-OrgID"))
		}
		fmt.Fprint(w, vectorAnswer)
	}))
	defer srv.Close()
	c := newClient(t, Config{URL: srv.URL + "/prefix/", Timeout: 5 * time.Second, Headers: map[string]string{"X-Scope-OrgID": "team"}})
	for range 3 {
		v, _, err := c.Query(context.Background(), "up", time.Unix(1700000000, 0))
		if err != nil {
			t.Fatal(err)
		}
		vec, ok := v.(model.Vector)
		if !ok || len(vec) != 1 || vec[0].Metric["job"] != "a" || vec[0].Value != 1 {
			t.Fatalf("answer %v", v)
		}
	}
	if got.Load() != 1 || c.Requests() != 1 {
		t.Errorf("the same query was sent %d times (%d counted), want once", got.Load(), c.Requests())
	}
}

func TestFailuresAreCountedOncePerKind(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"status":"error","errorType":"unavailable","error":"overloaded"}`)
	}))
	defer srv.Close()
	c := newClient(t, Config{URL: srv.URL})
	for i := range 5 {
		_, _, err := c.Query(context.Background(), fmt.Sprintf("up%d", i), time.Unix(0, 0))
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindServer || e.Status != 503 {
			t.Fatalf("error %v", err)
		}
	}
	f := c.Failures()
	if len(f) != 1 || f[0].Count != 5 {
		t.Fatalf("failures %+v", f)
	}
	want := "server " + srv.URL + ": server error: 503 Service Unavailable: overloaded (and 4 more server error failures)"
	if f[0].String() != want {
		t.Errorf("got  %s\nwant %s", f[0], want)
	}
	if c.Unreachable() != nil {
		t.Errorf("a 5xx made the server unusable")
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newClient(t, Config{URL: srv.URL, Timeout: 200 * time.Millisecond})
	_, _, err := c.Query(context.Background(), "up", time.Unix(0, 0))
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTimeout {
		t.Fatalf("error %v", err)
	}
	if c.Unreachable() != nil {
		t.Errorf("a slow answer made the server unusable")
	}
}

// TestTimeoutsStop: past MaxTimeouts, a hanging server is asked nothing
// more; each later request fails at once, counted with the timeouts.
func TestTimeoutsStop(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	got := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got++
		mu.Unlock()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newClient(t, Config{URL: srv.URL, Timeout: 100 * time.Millisecond, Concurrency: 1, MaxTimeouts: 2})
	start := time.Now()
	for i := range 10 {
		_, _, err := c.Query(context.Background(), fmt.Sprintf("up%d", i), time.Unix(0, 0))
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindTimeout {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if got != 2 || c.Requests() != 2 {
		t.Errorf("the server got %d requests, the client counts %d, want 2", got, c.Requests())
	}
	if fs := c.Failures(); len(fs) != 1 || fs[0].Count != 10 || !strings.Contains(fs[0].String(), "(and 9 more timeout failures)") {
		t.Errorf("failures %v", fs)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("10 requests to a hanging server took %v", d)
	}
}

func TestTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[`+strings.Repeat(" ", 4096)+`]}}`)
	}))
	defer srv.Close()
	c := newClient(t, Config{URL: srv.URL, MaxBytes: 1024})
	_, _, err := c.Query(context.Background(), "up", time.Unix(0, 0))
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTooLarge || !strings.Contains(err.Error(), "larger than 1024 bytes") {
		t.Fatalf("error %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := newClient(t, Config{URL: "http://" + addr})
	_, _, err = c.Query(context.Background(), "up", time.Unix(0, 0))
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindUnreachable || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v", err)
	}
	// Once unusable, the server is not asked again.
	_, _, err2 := c.Query(context.Background(), "other", time.Unix(0, 0))
	if err2 != c.Unreachable() || c.Requests() != 1 {
		t.Errorf("after the failure: %v, %d requests", err2, c.Requests())
	}
}

func TestBasicAuthAndTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ci" || p != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, vectorAnswer)
	}))
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PROM_PASSWORD": "s3cret"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	for _, tc := range []struct {
		name     string
		cfg      Config
		wantKind Kind // -1: success
	}{
		{"good", Config{BasicAuth: &BasicAuth{Username: "ci", Password: "${PROM_PASSWORD}"}, TLS: TLSConfig{CAFile: ca}}, -1},
		{"bad password", Config{BasicAuth: &BasicAuth{Username: "ci", Password: "wrong"}, TLS: TLSConfig{CAFile: ca}}, KindUnauthorized},
		{"no CA", Config{BasicAuth: &BasicAuth{Username: "ci", Password: "${PROM_PASSWORD}"}}, KindUnreachable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.URL = srv.URL
			cfg, err := tc.cfg.Resolve(lookup)
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t, cfg)
			_, _, err = c.Query(context.Background(), "up", time.Unix(0, 0))
			if tc.wantKind < 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != tc.wantKind {
				t.Fatalf("error %v, want %s", err, tc.wantKind)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

func TestResolveMissingVariable(t *testing.T) {
	_, err := Config{URL: "http://x", BearerToken: "${NOPE}"}.Resolve(func(string) (string, bool) { return "", false })
	if err == nil || !strings.Contains(err.Error(), "NOPE is not set") {
		t.Fatalf("error %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "ftp://x"}, "must be http:// or https://"},
		{Config{URL: "http://u:p@x"}, "put credentials in basic auth"},
		{Config{URL: "http://x", BearerToken: "t", BasicAuth: &BasicAuth{Username: "u"}}, "do not go together"},
		{Config{URL: "http://x", TLS: TLSConfig{CertFile: "c"}}, "needs both"},
		{Config{URL: "http://x", TLS: TLSConfig{CAFile: "/nonexistent/ca.pem"}}, "CA: open /nonexistent/ca.pem"},
	} {
		_, err := New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.cfg, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "u:p") {
			t.Errorf("the error shows the URL's credentials: %v", err)
		}
	}
}

func TestConcurrencyLimit(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		fmt.Fprint(w, vectorAnswer)
	}))
	defer srv.Close()
	c := newClient(t, Config{URL: srv.URL, Concurrency: 2, Rate: 1000})
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if _, _, err := c.Query(context.Background(), fmt.Sprintf("up%d", i), time.Unix(0, 0)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if most > 2 || c.Requests() != 10 {
		t.Errorf("%d requests in flight at once (limit 2), %d sent", most, c.Requests())
	}
}

func TestSeriesLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Form.Get("limit") != "3" {
			t.Errorf("limit %q", r.Form.Get("limit"))
		}
		fmt.Fprint(w, `{"status":"success","data":[{"a":"1"},{"a":"2"},{"a":"3"}]}`)
	}))
	defer srv.Close()
	c := newClient(t, Config{URL: srv.URL, MaxSeries: 2})
	s, truncated, err := c.Series(context.Background(), []string{"up"}, time.Unix(0, 0), time.Unix(60, 0))
	if err != nil || len(s) != 2 || !truncated {
		t.Fatalf("%v %v %v", s, truncated, err)
	}
}
