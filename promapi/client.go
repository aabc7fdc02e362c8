package promapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"golang.org/x/time/rate"
)

// Client queries one server. It is safe for concurrent use; identical
// requests within its life are sent once and their answers shared.
type Client struct {
	cfg     Config
	base    *url.URL
	http    *http.Client
	sem     chan struct{}
	limiter *rate.Limiter

	mu       sync.Mutex
	calls    map[string]*call
	requests int
	failures map[Kind]*Failure
	fatal    *Error
	timeouts int // answers that took longer than the timeout
}

type call struct {
	done     chan struct{}
	data     json.RawMessage
	warnings []string
	err      error
}

// New makes a client for the server cfg describes, with secrets already
// resolved (Config.Resolve).
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsCfg,
		TLSHandshakeTimeout: cfg.Timeout,
		MaxIdleConnsPerHost: cfg.Concurrency,
		MaxConnsPerHost:     cfg.Concurrency,
	}
	return &Client{
		cfg:      cfg,
		base:     base,
		http:     &http.Client{Transport: transport, Timeout: cfg.Timeout},
		sem:      make(chan struct{}, cfg.Concurrency),
		limiter:  rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Concurrency),
		calls:    map[string]*call{},
		failures: map[Kind]*Failure{},
	}, nil
}

// Name is the server's name in messages.
func (c *Client) Name() string { return c.cfg.DisplayName() }

// Config is the client's configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// Query evaluates expr at ts (an instant query).
func (c *Client) Query(ctx context.Context, expr string, ts time.Time) (model.Value, []string, error) {
	form := url.Values{"query": {expr}, "time": {formatTime(ts)}}
	data, warnings, err := c.do(ctx, "/api/v1/query", form)
	if err != nil {
		return nil, nil, err
	}
	v, err := decodeValue(data)
	if err != nil {
		return nil, nil, c.fail(&Error{Server: c.Name(), Kind: KindBadAnswer, Err: err})
	}
	return v, warnings, nil
}

// QueryRange evaluates expr from start to end every step. The caller
// keeps (end-start)/step within the server's limit of points a series
// (11,000 for Prometheus).
func (c *Client) QueryRange(ctx context.Context, expr string, start, end time.Time, step time.Duration) (model.Matrix, []string, error) {
	form := url.Values{
		"query": {expr},
		"start": {formatTime(start)},
		"end":   {formatTime(end)},
		"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	}
	data, warnings, err := c.do(ctx, "/api/v1/query_range", form)
	if err != nil {
		return nil, nil, err
	}
	v, err := decodeValue(data)
	if err != nil {
		return nil, nil, c.fail(&Error{Server: c.Name(), Kind: KindBadAnswer, Err: err})
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return nil, nil, c.fail(&Error{Server: c.Name(), Kind: KindBadAnswer, Err: fmt.Errorf("a range query answered %s, not a matrix", v.Type())})
	}
	return m, warnings, nil
}

// Series lists the series matching any of the selectors between start and
// end, at most MaxSeries of them; truncated says the server had more.
func (c *Client) Series(ctx context.Context, selectors []string, start, end time.Time) (series []model.LabelSet, truncated bool, err error) {
	return c.SeriesLimit(ctx, selectors, start, end, c.cfg.MaxSeries)
}

// SeriesLimit is Series with a limit of its own, at most MaxSeries: limit
// 1 asks whether a selector matches anything, at the least cost.
func (c *Client) SeriesLimit(ctx context.Context, selectors []string, start, end time.Time, limit int) (series []model.LabelSet, truncated bool, err error) {
	if limit <= 0 || limit > c.cfg.MaxSeries {
		limit = c.cfg.MaxSeries
	}
	form := url.Values{"match[]": selectors, "start": {formatTime(start)}, "end": {formatTime(end)}, "limit": {strconv.Itoa(limit + 1)}}
	data, _, err := c.do(ctx, "/api/v1/series", form)
	if err != nil {
		return nil, false, err
	}
	if err := json.Unmarshal(data, &series); err != nil {
		return nil, false, c.fail(&Error{Server: c.Name(), Kind: KindBadAnswer, Err: err})
	}
	if len(series) > limit {
		return series[:limit], true, nil
	}
	return series, false, nil
}

// LabelValues lists the values of a label on the series matching any of
// the selectors (all series when none), at most MaxSeries of them.
func (c *Client) LabelValues(ctx context.Context, label string, selectors []string, start, end time.Time) (values []string, truncated bool, err error) {
	form := url.Values{"start": {formatTime(start)}, "end": {formatTime(end)}, "limit": {strconv.Itoa(c.cfg.MaxSeries + 1)}}
	if len(selectors) > 0 {
		form["match[]"] = selectors
	}
	// Label values is GET only.
	data, _, err := c.do(ctx, "/api/v1/label/"+url.PathEscape(label)+"/values", form)
	if err != nil {
		return nil, false, err
	}
	if err := json.Unmarshal(data, &values); err != nil {
		return nil, false, c.fail(&Error{Server: c.Name(), Kind: KindBadAnswer, Err: err})
	}
	if len(values) > c.cfg.MaxSeries {
		return values[:c.cfg.MaxSeries], true, nil
	}
	return values, false, nil
}

// RuleGroup is a group of rules the server evaluates, as /api/v1/rules
// gives it.
type RuleGroup struct {
	Name  string `json:"name"`
	File  string `json:"file"`
	Rules []struct {
		Type  string `json:"type"` // "recording" or "alerting"
		Name  string `json:"name"`
		Query string `json:"query"`
	} `json:"rules"`
}

// Rules lists the rule groups the server (or the rulers behind it)
// evaluates.
func (c *Client) Rules(ctx context.Context) ([]RuleGroup, error) {
	data, _, err := c.do(ctx, "/api/v1/rules", url.Values{})
	if err != nil {
		return nil, err
	}
	var out struct {
		Groups []RuleGroup `json:"groups"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, c.fail(&Error{Server: c.Name(), Kind: KindBadAnswer, Err: err})
	}
	return out.Groups, nil
}

// Requests is the number of requests sent so far (cached answers are not
// sent again).
func (c *Client) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

// Failures lists the failures so far, one entry a kind, in a stable order.
func (c *Client) Failures() []Failure {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Failure, 0, len(c.failures))
	for _, f := range c.failures {
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// Unreachable is the error that made the server unusable (unreachable,
// refusing the credentials, or a TLS failure), or nil.
func (c *Client) Unreachable() *Error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fatal
}

// do sends one request, or waits for the identical one already sent.
func (c *Client) do(ctx context.Context, path string, form url.Values) (json.RawMessage, []string, error) {
	key := path + "?" + form.Encode()
	c.mu.Lock()
	if c.fatal != nil {
		c.mu.Unlock()
		return nil, nil, c.fatal
	}
	if cl, ok := c.calls[key]; ok {
		c.mu.Unlock()
		select {
		case <-cl.done:
			return cl.data, cl.warnings, cl.err
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	cl := &call{done: make(chan struct{})}
	c.calls[key] = cl
	c.mu.Unlock()

	cl.data, cl.warnings, cl.err = c.send(ctx, path, form)
	if cl.err != nil && errors.Is(cl.err, context.Canceled) {
		// The caller gave up: let a later caller try again.
		c.mu.Lock()
		delete(c.calls, key)
		c.mu.Unlock()
	}
	close(cl.done)
	return cl.data, cl.warnings, cl.err
}

func (c *Client) send(ctx context.Context, path string, form url.Values) (json.RawMessage, []string, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	if err := c.limiter.Wait(ctx); err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	if c.fatal != nil {
		c.mu.Unlock()
		return nil, nil, c.fatal
	}
	if c.timeouts >= c.cfg.MaxTimeouts {
		n := c.timeouts
		c.mu.Unlock()
		return nil, nil, c.fail(&Error{Server: c.Name(), Kind: KindTimeout, Err: fmt.Errorf("not sent: %d answers took longer than %v", n, c.cfg.Timeout)})
	}
	c.requests++
	c.mu.Unlock()

	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	var req *http.Request
	var err error
	if strings.HasPrefix(path, "/api/v1/label/") || path == "/api/v1/rules" {
		u.RawQuery = form.Encode()
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	} else {
		// Ask the server to give up at the same time as we do.
		form.Set("timeout", strconv.FormatFloat(c.cfg.Timeout.Seconds(), 'f', -1, 64)+"s")
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
		if req != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "oomguard")
	if err := c.cfg.authorize(req); err != nil {
		return nil, nil, c.fail(&Error{Server: c.Name(), Kind: KindUnreachable, Err: err})
	}
	connected := false
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected = true },
	}))
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		kind := KindUnreachable
		if connected && isTimeout(err) {
			kind = KindTimeout
			c.slow()
		}
		return nil, nil, c.fail(&Error{Server: c.Name(), Kind: kind, Err: cleanURLError(err)})
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBytes+1))
	if err != nil {
		kind := KindBadAnswer
		if isTimeout(err) {
			kind = KindTimeout
			c.slow()
		}
		return nil, nil, c.fail(&Error{Server: c.Name(), Kind: kind, Status: resp.StatusCode, Err: cleanURLError(err)})
	}
	if int64(len(body)) > c.cfg.MaxBytes {
		return nil, nil, c.fail(&Error{Server: c.Name(), Kind: KindTooLarge, Status: resp.StatusCode,
			Err: fmt.Errorf("the answer to %s is larger than %d bytes", path, c.cfg.MaxBytes)})
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, nil, c.fail(&Error{Server: c.Name(), Kind: KindUnauthorized, Status: resp.StatusCode, Err: errors.New(resp.Status)})
	case resp.StatusCode >= 500:
		return nil, nil, c.fail(&Error{Server: c.Name(), Kind: KindServer, Status: resp.StatusCode, Err: errors.New(resp.Status + apiErrorText(body))})
	}
	var r struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Warnings  []string        `json:"warnings"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, nil, c.fail(&Error{Server: c.Name(), Kind: KindBadAnswer, Status: resp.StatusCode,
			Err: fmt.Errorf("%s answered %s, not the Prometheus API's JSON", path, resp.Status)})
	}
	if r.Status != "success" {
		kind := KindRejected
		if r.ErrorType == "timeout" || r.ErrorType == "canceled" {
			kind = KindTimeout
			c.slow()
		}
		return nil, nil, c.fail(&Error{Server: c.Name(), Kind: kind, Status: resp.StatusCode, Err: fmt.Errorf("%s: %s", r.ErrorType, r.Error)})
	}
	return r.Data, r.Warnings, nil
}

// slow counts an answer that took longer than the timeout.
func (c *Client) slow() {
	c.mu.Lock()
	c.timeouts++
	c.mu.Unlock()
}

func (c *Client) fail(e *Error) *Error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.Kind.Fatal() && c.fatal == nil {
		c.fatal = e
	}
	f, ok := c.failures[e.Kind]
	if !ok {
		f = &Failure{Kind: e.Kind, First: e}
		c.failures[e.Kind] = f
	}
	f.Count++
	return e
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// cleanURLError drops the URL net/http puts in its errors: the server is
// named once, by the caller.
func cleanURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func apiErrorText(body []byte) string {
	var r struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &r) == nil && r.Error != "" {
		return ": " + r.Error
	}
	return ""
}

func formatTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
}

func decodeValue(data json.RawMessage) (model.Value, error) {
	var r struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(r.Result))
	switch r.ResultType {
	case "vector":
		var v model.Vector
		return v, dec.Decode(&v)
	case "matrix":
		var m model.Matrix
		return m, dec.Decode(&m)
	case "scalar":
		var s model.Scalar
		return &s, dec.Decode(&s)
	case "string":
		var s model.String
		return &s, dec.Decode(&s)
	}
	return nil, fmt.Errorf("unknown result type %q", r.ResultType)
}
