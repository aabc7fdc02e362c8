package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oomguard/oomguard/lint/engine"
)

// TestErrors: whatever section is wrong, the file is refused at the line
// and column of what is wrong, in the words of the file.
func TestErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"yaml", "lint:\n  disable: [\n", "cfg.yaml:3:1: yaml:"},
		{"not a mapping", "- lint\n", "cfg.yaml:1:1: the config must be a mapping of sections"},
		{"unknown section", "lint: {}\ngenerat:\n  x: 1\n", `cfg.yaml:2:1: unknown section "generat" (known: generate, lint, test, convert, servers)`},
		{"section twice", "lint: {}\nlint: {}\n", `cfg.yaml:2:1: section "lint" is set twice`},
		{"lint not a mapping", "lint: [1]\n", "cfg.yaml:1:7: lint: want a mapping, not a list"},
		{"lint unknown key", "lint:\n  disable: []\n  disabel: []\n", `cfg.yaml:3:3: lint: unknown key "disabel" (known: disable, enable, policy, severity,`},
		{"lint key twice", "lint:\n  minFor: 1m\n  minFor: 2m\n", "cfg.yaml:3:3: lint: minFor is set twice"},
		{"lint unknown check", "lint:\n  disable: [alerts/short-for, identity/alertname]\n", `cfg.yaml:2:31: lint: unknown check "identity/alertname"`},
		{"lint list", "lint:\n  enable: alerts/short-for\n", `cfg.yaml:2:11: lint: enable: want a list of check IDs, not "alerts/short-for"`},
		{"lint list of lists", "lint:\n  include: [[a]]\n", "cfg.yaml:2:13: lint: include: want a list of globs, not a list of a list"},
		{"lint severity", "lint:\n  severity: {alerts/short-for: loud}\n", `cfg.yaml:2:32: lint: severity: alerts/short-for: want info, warning or error, not "loud"`},
		{"lint severity check", "lint:\n  severity:\n    alerts/shortfor: info\n", `cfg.yaml:3:5: lint: unknown check "alerts/shortfor"`},
		{"lint ignore key", "lint:\n  ignore:\n    - {check: alerts/short-for, rule: r, reason: x, because: y}\n", `cfg.yaml:3:53: lint: ignore: unknown key "because" (known: check, files, group, rule, reason)`},
		{"lint include glob", "lint:\n  include: [ok/*.yaml, 'rules/[a.yaml']\n", `cfg.yaml:2:24: lint: include: "rules/[a.yaml": not a well-formed glob (an unclosed [ or a trailing \?)`},
		{"lint ignore glob", "lint:\n  ignore:\n    - {check: alerts/short-for, files: [''], reason: x}\n", `cfg.yaml:3:41: lint: ignore: files: "": empty glob`},
		{"lint scope without files", "lint:\n  scopes:\n    - name: prod\n", `cfg.yaml:3:7: lint: scopes: scope "prod" needs files`},
		{"lint scope twice", "lint:\n  scopes:\n    - {name: a, files: [a/*]}\n    - {name: a, files: [b/*]}\n", `cfg.yaml:4:7: lint: scopes: "a" is named twice`},
		{"lint ruleSelector", "lint:\n  ruleSelector: [a]\n", "cfg.yaml:2:17: lint: ruleSelector: want a label selector string"},
		{"test takes nothing", "test:\n  timeout: 1m\n", `cfg.yaml:2:3: test: unknown key "timeout" (oomguard test takes no settings from the config)`},
		{"convert not a mapping", "convert: 1\n", `cfg.yaml:1:10: convert: want a mapping of settings, not "1"`},
		{"servers not a list", "servers:\n  url: http://p:9090\n", "cfg.yaml:2:3: servers: want a list of servers ({name, url, paths, ...}), not a mapping"},
		{"servers unknown key", "servers:\n  - url: http://p:9090\n    pathz: [a]\n", `cfg.yaml:3:5: servers: unknown key "pathz" (known: name, url, headers,`},
		{"servers no url", "servers:\n  - name: prod\n", "cfg.yaml:2:5: servers: a server needs a url"},
		{"servers bad url", "servers:\n  - url: prometheus:9090\n", "cfg.yaml:2:10: servers: url: want http:// or https:// with a host"},
		{"servers credentials in url", "servers:\n  - url: http://u:secret@p:9090\n", "cfg.yaml:2:10: servers: url: put credentials in basicAuth"},
		{"servers named twice", "servers:\n  - {name: a, url: http://p:9090}\n  - {name: a, url: http://q:9090}\n", `cfg.yaml:3:5: servers: "a" is named twice`},
		{"servers timeout", "servers:\n  - url: http://p:9090\n    timeout: soon\n", `cfg.yaml:3:14: servers: timeout: want a duration above 0 such as 30s, not "soon"`},
		{"servers concurrency", "servers:\n  - url: http://p:9090\n    concurrency: 0\n", `cfg.yaml:3:18: servers: concurrency: want a whole number above 0, not "0"`},
		{"servers rate", "servers:\n  - url: http://p:9090\n    rate: fast\n", `cfg.yaml:3:11: servers: rate: want a number of requests a second above 0, not "fast"`},
		{"servers basicAuth key", "servers:\n  - url: http://p:9090\n    basicAuth: {user: ci}\n", `cfg.yaml:3:17: servers: basicAuth: unknown key "user" (known: username, password, passwordFile)`},
		{"servers basicAuth without username", "servers:\n  - url: http://p:9090\n    basicAuth: {password: '${PW}'}\n", `cfg.yaml:3:16: servers: basicAuth: needs a username`},
		{"servers tls key", "servers:\n  - url: https://p:9090\n    tls: {ca: ca.pem}\n", `cfg.yaml:3:11: servers: tls: unknown key "ca" (known: caFile, certFile, keyFile, serverName, insecureSkipVerify)`},
		{"servers tls half a certificate", "servers:\n  - url: https://p:9090\n    tls: {certFile: c.pem}\n", `cfg.yaml:3:10: servers: tls: a client certificate needs both certFile and keyFile`},
		{"servers tls bool", "servers:\n  - url: https://p:9090\n    tls: {insecureSkipVerify: maybe}\n", `cfg.yaml:3:31: servers: tls: insecureSkipVerify: want true or false, not "maybe"`},
		{"servers token and basic auth", "servers:\n  - url: http://p:9090\n    bearerTokenFile: t\n    basicAuth: {username: u}\n", `cfg.yaml:2:5: servers: a bearer token and basicAuth do not go together`},
		{"servers paths glob", "servers:\n  - url: http://p:9090\n    paths: ['rules/[a']\n", `cfg.yaml:3:13: servers: paths: "rules/[a": not a well-formed glob`},
		{"servers header value", "servers:\n  - url: http://p:9090\n    headers: {X-Scope-OrgID: [a]}\n", `cfg.yaml:3:30: servers: headers: X-Scope-OrgID: want a string, not a list`},
		{"lint backtest key", "lint:\n  backtest: {range: 7d, max: 3}\n", `cfg.yaml:2:25: lint: backtest: unknown key "max" (known: range, maxFirings, maxSeries)`},
		{"lint backtest range", "lint:\n  backtest: {range: a week}\n", `cfg.yaml:2:21: lint: backtest: range: want a duration above 0 such as 7d, not "a week"`},
		{"lint backtest maxFirings", "lint:\n  backtest: {range: 7d, maxFirings: -1}\n", `cfg.yaml:2:37: lint: backtest: maxFirings: want a whole number, not "-1"`},
		{"generate unknown key", "generate:\n  showMulticluster: true\n", "cfg.yaml:2:3: unknown key showMulticluster"},
		{"generate wrong type", "generate:\n  showMultiCluster: [1]\n", "cfg.yaml:2:21: showMultiCluster must be a boolean"},
		// Values, checked against the pack's schema whichever command reads the file.
		{"generate threshold", "generate:\n  alerts:\n    ContainerMemoryNearLimit: {threshold: 1.5}\n",
			"cfg.yaml:3:43: alerts.ContainerMemoryNearLimit.threshold must be above 0 and below 1"},
		{"generate duration", "generate:\n  rateWindow: 5 minutes\n", `cfg.yaml:2:15: rateWindow must be a Prometheus duration such as 15m or 1h30m, not "5 minutes"`},
		{"generate selector", "generate:\n  cadvisorSelector: 'job=\"kubelet'\n", `cfg.yaml:2:21: cadvisorSelector "job=\"kubelet" is not a selector`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("cfg.yaml", []byte(tc.src))
			var ce *Error
			if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("got %v, want an *Error starting %q", err, tc.want)
			}
		})
	}
}

// TestServers reads every key of a server, secrets left as written for
// the command to expand, and file names relative to the config's
// directory.
func TestServers(t *testing.T) {
	f, err := Parse(filepath.Join("conf", "cfg.yaml"), []byte(`servers:
  - name: prod
    url: https://prom.example:9090/prefix
    headers: {X-Scope-OrgID: team-a}
    basicAuth: {username: ci, password: "${PROM_PASSWORD}"}
    tls: {caFile: ca.pem, certFile: /abs/c.pem, keyFile: k.pem, serverName: prom, insecureSkipVerify: false}
    timeout: 10s
    concurrency: 2
    rate: 5.5
    paths: ["prod/**"]
  - url: http://thanos:10902
    bearerTokenFile: token
lint:
  backtest: {range: 7d, maxFirings: 10, maxSeries: 50}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Servers) != 2 {
		t.Fatalf("servers: %+v", f.Servers)
	}
	p := f.Servers[0].Config
	if p.Name != "prod" || p.URL != "https://prom.example:9090/prefix" || p.Headers["X-Scope-OrgID"] != "team-a" ||
		p.BasicAuth == nil || p.BasicAuth.Username != "ci" || p.BasicAuth.Password != "${PROM_PASSWORD}" ||
		p.TLS.CAFile != filepath.Join("conf", "ca.pem") || p.TLS.CertFile != "/abs/c.pem" || p.TLS.KeyFile != filepath.Join("conf", "k.pem") || p.TLS.ServerName != "prom" ||
		p.Timeout != 10*time.Second || p.Concurrency != 2 || p.Rate != 5.5 {
		t.Errorf("prod: %+v", p)
	}
	if g := f.Servers[0].Paths; len(g) != 1 || !g[0].Match("deploy/prod/a/rules.yaml") || g[0].Match("deploy/staging/rules.yaml") {
		t.Errorf("prod paths: %v", g)
	}
	if s := f.Servers[1]; s.Config.BearerTokenFile != filepath.Join("conf", "token") || len(s.Paths) != 0 || s.Line != 11 || s.Col != 5 {
		t.Errorf("second: %+v", s)
	}
	if b := f.Lint.Backtest; b.Range != 7*24*time.Hour || b.MaxFirings != 10 || b.MaxSeries != 50 {
		t.Errorf("backtest: %+v", b)
	}
}

// TestLint reads every setting of the lint section.
func TestLint(t *testing.T) {
	f, err := Parse("cfg.yaml", []byte(`# comment
lint:
  disable: [annotations/required]
  severity:
    identity/alert-name: info
  severityLabelValues: [page, ticket]
  requiredAnnotations: []
  ruleSelector: prometheus=k8s
  scrapeInterval: 15s
  minScrapesPerWindow: 3
  minFor: 5m
  evaluationInterval: 1m
  include: ["**/*.rules.yaml"]
  exclude: ["vendor/**"]
  ignore:
    - check: labels/severity
      files: ["generated/*.yaml"]
      rule: R
      reason: generated
  scopes:
    - {name: prod, files: ["prod/**"]}
test: {}
convert:
`))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Lint
	switch {
	case !c.Disabled["annotations/required"] || c.Disabled["identity/alert-name"]:
		t.Errorf("disabled: %v", c.Disabled)
	case c.Severity["identity/alert-name"] != engine.Info:
		t.Errorf("severity: %v", c.Severity)
	case strings.Join(c.SeverityLabelValues, ",") != "page,ticket" || len(c.RequiredAnnotations) != 0:
		t.Errorf("values %v, annotations %#v", c.SeverityLabelValues, c.RequiredAnnotations)
	case c.RuleSelectorText != "prometheus=k8s":
		t.Errorf("rule selector %q", c.RuleSelectorText)
	case c.ScrapeInterval != 15*time.Second || c.MinScrapesPerWindow != 3 || c.MinFor != 5*time.Minute || c.EvaluationInterval != time.Minute:
		t.Errorf("durations %v %v %v %v", c.ScrapeInterval, c.MinScrapesPerWindow, c.MinFor, c.EvaluationInterval)
	case !c.Selects("a/b.rules.yaml") || c.Selects("vendor/x.rules.yaml") || c.Selects("b.yaml"):
		t.Error("include and exclude")
	case len(c.Ignores) != 1 || c.Ignores[0].Rule != "R" || c.Ignores[0].Pos.Line != 16 || len(c.Ignores[0].Files) != 1:
		t.Errorf("ignores %+v", c.Ignores)
	case len(c.Scopes) != 1 || c.Scopes[0].Name != "prod" || !c.Scopes[0].Files[0].Match("prod/a/rules.yaml"):
		t.Errorf("scopes %+v", c.Scopes)
	}

	// enable turns off every other check.
	f, err = Parse("cfg.yaml", []byte("lint:\n  enable: [alerts/short-for]\n"))
	if err != nil || f.Lint.Disabled["alerts/short-for"] || !f.Lint.Disabled["identity/alert-name"] {
		t.Errorf("enable: %v %v", err, f.Lint.Disabled)
	}
}

// TestLoad: the default file is read when it exists; a file named must
// exist.
func TestLoad(t *testing.T) {
	t.Chdir(t.TempDir())
	f, err := Load("", 0)
	if err != nil || f.Path != "" || f.Lint.MinFor != time.Minute {
		t.Fatalf("no default file: %+v %v", f, err)
	}
	if _, err := Load("missing.yaml", 0); err == nil || !strings.HasPrefix(err.Error(), "missing.yaml: ") {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(filepath.Join(".", DefaultPath), []byte("lint:\n  minFor: 2m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if f, err = Load("", 0); err != nil || f.Path != DefaultPath || f.Lint.MinFor != 2*time.Minute {
		t.Errorf("default file: %+v %v", f, err)
	}
}
