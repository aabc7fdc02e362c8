package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/oomguard/oomguard/promapi"
)

// PasswordEnv is the environment variable the password of --user comes
// from: a password on the command line would show in the process list.
const PasswordEnv = "OOMGUARD_PROMETHEUS_PASSWORD"

// serverFlags are the flags of the commands that query a server.
type serverFlags struct {
	URL             string
	Headers         []string
	BearerTokenFile string
	User            string
	CAFile          string
	CertFile        string
	KeyFile         string
	ServerName      string
	Insecure        bool
	Timeout         time.Duration
	Concurrency     int
	Rate            float64
}

func (sf *serverFlags) register(f *pflag.FlagSet) {
	f.StringVar(&sf.URL, "prometheus", "", "`URL` of a server that speaks the Prometheus HTTP API (Prometheus, Thanos Query, Mimir)")
	f.StringArrayVar(&sf.Headers, "header", nil, "an HTTP header sent with every request, `NAME: VALUE`; ${VAR} takes an environment variable (repeatable)")
	f.StringVar(&sf.BearerTokenFile, "bearer-token-file", "", "send the token in `FILE` as a bearer token")
	f.StringVar(&sf.User, "user", "", "basic auth `USER`; the password comes from $"+PasswordEnv)
	f.StringVar(&sf.CAFile, "ca-file", "", "the CA certificates (PEM) `FILE` to trust for https")
	f.StringVar(&sf.CertFile, "cert-file", "", "client certificate (PEM) `FILE`")
	f.StringVar(&sf.KeyFile, "key-file", "", "client certificate key (PEM) `FILE`")
	f.StringVar(&sf.ServerName, "tls-server-name", "", "the `NAME` the server's certificate must carry, when not the URL's host")
	f.BoolVar(&sf.Insecure, "insecure-skip-verify", false, "do not verify the server's certificate")
	f.DurationVar(&sf.Timeout, "timeout", promapi.DefaultTimeout, "the longest one request may take, answer included")
	f.IntVar(&sf.Concurrency, "concurrency", promapi.DefaultConcurrency, "requests in flight at once")
	f.Float64Var(&sf.Rate, "rate", promapi.DefaultRate, "requests a second, at most")
}

// client makes the client the flags describe.
func (sf *serverFlags) client() (*promapi.Client, error) {
	cfg := promapi.Config{
		URL:             sf.URL,
		BearerTokenFile: sf.BearerTokenFile,
		TLS: promapi.TLSConfig{
			CAFile: sf.CAFile, CertFile: sf.CertFile, KeyFile: sf.KeyFile,
			ServerName: sf.ServerName, InsecureSkipVerify: sf.Insecure,
		},
		Timeout:     sf.Timeout,
		Concurrency: sf.Concurrency,
		Rate:        sf.Rate,
	}
	if len(sf.Headers) > 0 {
		cfg.Headers = map[string]string{}
		for _, h := range sf.Headers {
			name, value, ok := strings.Cut(h, ":")
			if !ok || strings.TrimSpace(name) == "" {
				return nil, usagef("--header %q: use NAME: VALUE", h)
			}
			cfg.Headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
		}
	}
	if sf.User != "" {
		pw, ok := os.LookupEnv(PasswordEnv)
		if !ok {
			return nil, usagef("--user needs the password in $%s", PasswordEnv)
		}
		cfg.BasicAuth = &promapi.BasicAuth{Username: sf.User, Password: pw}
	}
	if sf.Concurrency < 1 || sf.Rate <= 0 || sf.Timeout <= 0 {
		return nil, usagef("--concurrency, --rate and --timeout must be positive")
	}
	cfg, err := cfg.Resolve(nil)
	if err != nil {
		return nil, usagef("%v", err)
	}
	c, err := promapi.New(cfg)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return c, nil
}

// reportFailures prints one line for each kind of failure a server had.
func reportFailures(s Streams, c *promapi.Client) {
	for _, f := range c.Failures() {
		if f.Kind.Fatal() {
			continue
		}
		fmt.Fprintf(s.ErrOut, "oomguard: warning: %s\n", f)
	}
}
