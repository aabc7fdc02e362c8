// Package promapi is oomguard's client of the Prometheus HTTP API, for any
// server that speaks it (Prometheus, Thanos Query, Mimir). Every request is
// bounded: a timeout, a cap on the size of the answer and on the series a
// listing returns, a number of requests in flight and a rate. Failures are
// counted per server, so that callers report them once, not once per query.
package promapi

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"github.com/oomguard/oomguard/internal/limit"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultConcurrency = 4
	DefaultRate        = 20 // requests a second
	DefaultMaxBytes    = 16 << 20
	DefaultMaxSeries   = 1000
	// DefaultMaxTimeouts: after this many answers that took longer than
	// the timeout, a server is too slow to wait for again.
	DefaultMaxTimeouts = 3
)

// Config says how to reach one server. Secrets (Password, BearerToken,
// header values) may name environment variables as ${NAME}; Resolve
// expands them. No method of this package prints a secret.
type Config struct {
	// Name identifies the server in messages; the URL (without user
	// information) when empty.
	Name string
	URL  string
	// Headers are sent with every request (X-Scope-OrgID for Mimir, for
	// example).
	Headers         map[string]string
	BearerToken     string
	BearerTokenFile string
	BasicAuth       *BasicAuth
	TLS             TLSConfig
	// Timeout bounds each request, answer included.
	Timeout time.Duration
	// Concurrency is the number of requests in flight at once.
	Concurrency int
	// Rate is the number of requests a second, at most.
	Rate float64
	// MaxBytes caps the size of an answer; a larger one is an error.
	MaxBytes int64
	// MaxSeries caps the series a listing (series, label values) returns,
	// through the API's limit parameter.
	MaxSeries int
	// MaxTimeouts is the number of timeouts after which the client sends
	// nothing more and fails each request at once, as a timeout: a run
	// against a server that hangs takes a few timeouts, not one for each
	// question.
	MaxTimeouts int
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	Username     string
	Password     string
	PasswordFile string
}

// TLSConfig holds the CA to trust and the client certificate.
type TLSConfig struct {
	CAFile             string
	CertFile           string
	KeyFile            string
	ServerName         string
	InsecureSkipVerify bool
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Resolve returns a copy of c with ${NAME} references in secrets and
// header values replaced by the variables lookup gives (os.LookupEnv when
// nil). A variable that is not set is an error naming the variable, never
// its value.
func (c Config) Resolve(lookup func(string) (string, bool)) (Config, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var missing []string
	expand := func(s string) string {
		return envRef.ReplaceAllStringFunc(s, func(ref string) string {
			name := envRef.FindStringSubmatch(ref)[1]
			v, ok := lookup(name)
			if !ok {
				missing = append(missing, name)
			}
			return v
		})
	}
	out := c
	out.BearerToken = expand(c.BearerToken)
	if c.Headers != nil {
		out.Headers = make(map[string]string, len(c.Headers))
		for k, v := range c.Headers {
			out.Headers[k] = expand(v)
		}
	}
	if c.BasicAuth != nil {
		ba := *c.BasicAuth
		ba.Username = expand(ba.Username)
		ba.Password = expand(ba.Password)
		out.BasicAuth = &ba
	}
	if len(missing) > 0 {
		return Config{}, fmt.Errorf("server %s: environment variable %s is not set", c.DisplayName(), strings.Join(missing, ", "))
	}
	return out, nil
}

// DisplayName is the name messages give the server: Name, or the URL
// without user information, query or fragment.
func (c Config) DisplayName() string {
	if c.Name != "" {
		return c.Name
	}
	return redactURL(c.URL)
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

func (c *Config) setDefaults() {
	c.Timeout = limit.Or(c.Timeout, DefaultTimeout)
	c.Concurrency = limit.Or(c.Concurrency, DefaultConcurrency)
	c.Rate = limit.Or(c.Rate, DefaultRate)
	c.MaxBytes = limit.Or(c.MaxBytes, DefaultMaxBytes)
	c.MaxSeries = limit.Or(c.MaxSeries, DefaultMaxSeries)
	c.MaxTimeouts = limit.Or(c.MaxTimeouts, DefaultMaxTimeouts)
}

func (c *Config) validate() (*url.URL, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server %s: the URL must be http:// or https:// with a host", c.DisplayName())
	}
	if u.User != nil {
		return nil, fmt.Errorf("server %s: put credentials in basic auth, not in the URL", c.DisplayName())
	}
	if c.BearerToken != "" && c.BearerTokenFile != "" {
		return nil, fmt.Errorf("server %s: a bearer token and a bearer token file do not go together", c.DisplayName())
	}
	if (c.BearerToken != "" || c.BearerTokenFile != "") && c.BasicAuth != nil {
		return nil, fmt.Errorf("server %s: a bearer token and basic auth do not go together", c.DisplayName())
	}
	if ba := c.BasicAuth; ba != nil && ba.Password != "" && ba.PasswordFile != "" {
		return nil, fmt.Errorf("server %s: a password and a password file do not go together", c.DisplayName())
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		return nil, fmt.Errorf("server %s: a client certificate needs both the certificate and its key", c.DisplayName())
	}
	return u, nil
}

func (c *Config) tlsConfig() (*tls.Config, error) {
	t := &tls.Config{
		ServerName:         c.TLS.ServerName,
		InsecureSkipVerify: c.TLS.InsecureSkipVerify, //nolint:gosec // the user's explicit choice
		MinVersion:         tls.VersionTLS12,
	}
	if c.TLS.CAFile != "" {
		pem, err := os.ReadFile(c.TLS.CAFile)
		if err != nil {
			return nil, fmt.Errorf("server %s: CA: %w", c.DisplayName(), err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("server %s: CA %s holds no PEM certificate", c.DisplayName(), c.TLS.CAFile)
		}
		t.RootCAs = pool
	}
	if c.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.TLS.CertFile, c.TLS.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("server %s: client certificate: %w", c.DisplayName(), err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	return t, nil
}

// authorize sets the request's credentials. Files are read at each request,
// so that rotated tokens are picked up, as Prometheus does.
func (c *Config) authorize(req *http.Request) error {
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	switch {
	case c.BearerToken != "":
		req.Header.Set("Authorization", "Bearer "+c.BearerToken)
	case c.BearerTokenFile != "":
		tok, err := os.ReadFile(c.BearerTokenFile)
		if err != nil {
			return fmt.Errorf("bearer token file: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	case c.BasicAuth != nil:
		pw := c.BasicAuth.Password
		if c.BasicAuth.PasswordFile != "" {
			b, err := os.ReadFile(c.BasicAuth.PasswordFile)
			if err != nil {
				return fmt.Errorf("password file: %w", err)
			}
			pw = strings.TrimSpace(string(b))
		}
		req.SetBasicAuth(c.BasicAuth.Username, pw)
	}
	return nil
}
