package config

import (
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
	yaml "go.yaml.in/yaml/v4"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/promapi"
)

// Server is an entry of the servers section: a server the online checks
// of lint ask, and the rule files it evaluates.
type Server struct {
	// Config is how to reach it. Secrets may still hold ${VAR}
	// references: promapi.Config.Resolve expands them when the server is
	// used, so that a command that does not use it needs none set.
	// Relative file names are relative to the config file's directory.
	Config promapi.Config
	// Paths are the globs of the rule files it evaluates; none means
	// every file.
	Paths []engine.Glob
	// Line and Col are where the entry is written.
	Line, Col int
}

var serverKeys = []string{"name", "url", "headers", "bearerToken", "bearerTokenFile", "basicAuth", "tls", "timeout", "concurrency", "rate", "paths"}
var basicAuthKeys = []string{"username", "password", "passwordFile"}
var tlsKeys = []string{"caFile", "certFile", "keyFile", "serverName", "insecureSkipVerify"}

// servers reads the servers section, n.
func (r *reader) servers(n *yaml.Node) ([]Server, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, r.errorf(n, "servers: want a list of servers ({name, url, paths, ...}), not %s", kindName(n))
	}
	dir := filepath.Dir(r.file)
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	var out []Server
	names := map[string]bool{}
	for _, item := range n.Content {
		item = resolve(item)
		pairs, err := r.mapping(item, "servers", serverKeys)
		if err != nil {
			return nil, err
		}
		s := Server{Line: item.Line, Col: item.Column}
		c := &s.Config
		var urlNode *yaml.Node
		for _, p := range pairs {
			k, v := p.key.Value, p.value
			what := "servers: " + k
			switch k {
			case "name", "url", "bearerToken", "bearerTokenFile":
				str, err := r.str(v, what)
				if err != nil {
					return nil, err
				}
				switch k {
				case "name":
					c.Name = str
				case "url":
					c.URL, urlNode = str, v
				case "bearerToken":
					c.BearerToken = str
				case "bearerTokenFile":
					c.BearerTokenFile = rel(str)
				}
			case "headers":
				if isNull(v) {
					continue
				}
				if v.Kind != yaml.MappingNode {
					return nil, r.errorf(v, "%s: want a mapping of header names to values, not %s", what, kindName(v))
				}
				c.Headers = map[string]string{}
				for i := 0; i+1 < len(v.Content); i += 2 {
					hk, hv := v.Content[i], resolve(v.Content[i+1])
					val, err := r.str(hv, what+": "+hk.Value)
					if err != nil {
						return nil, err
					}
					c.Headers[hk.Value] = val
				}
			case "basicAuth":
				bs, err := r.mapping(v, what, basicAuthKeys)
				if err != nil {
					return nil, err
				}
				c.BasicAuth = &promapi.BasicAuth{}
				for _, b := range bs {
					str, err := r.str(b.value, what+": "+b.key.Value)
					if err != nil {
						return nil, err
					}
					switch b.key.Value {
					case "username":
						c.BasicAuth.Username = str
					case "password":
						c.BasicAuth.Password = str
					case "passwordFile":
						c.BasicAuth.PasswordFile = rel(str)
					}
				}
				if c.BasicAuth.Username == "" {
					return nil, r.errorf(v, "%s: needs a username", what)
				}
				if c.BasicAuth.Password != "" && c.BasicAuth.PasswordFile != "" {
					return nil, r.errorf(v, "%s: a password and a password file do not go together", what)
				}
			case "tls":
				ts, err := r.mapping(v, what, tlsKeys)
				if err != nil {
					return nil, err
				}
				for _, t := range ts {
					if t.key.Value == "insecureSkipVerify" {
						b, err := strconv.ParseBool(t.value.Value)
						if t.value.Kind != yaml.ScalarNode || err != nil {
							return nil, r.errorf(t.value, "%s: insecureSkipVerify: want true or false, not %s", what, kindName(t.value))
						}
						c.TLS.InsecureSkipVerify = b
						continue
					}
					str, err := r.str(t.value, what+": "+t.key.Value)
					if err != nil {
						return nil, err
					}
					switch t.key.Value {
					case "caFile":
						c.TLS.CAFile = rel(str)
					case "certFile":
						c.TLS.CertFile = rel(str)
					case "keyFile":
						c.TLS.KeyFile = rel(str)
					case "serverName":
						c.TLS.ServerName = str
					}
				}
				if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
					return nil, r.errorf(v, "%s: a client certificate needs both certFile and keyFile", what)
				}
			case "timeout":
				d, err := model.ParseDuration(v.Value)
				if v.Kind != yaml.ScalarNode || err != nil || d <= 0 {
					return nil, r.errorf(v, "%s: want a duration above 0 such as 30s, not %s", what, kindName(v))
				}
				c.Timeout = time.Duration(d)
			case "concurrency":
				i, err := strconv.Atoi(v.Value)
				if v.Kind != yaml.ScalarNode || err != nil || i < 1 {
					return nil, r.errorf(v, "%s: want a whole number above 0, not %s", what, kindName(v))
				}
				c.Concurrency = i
			case "rate":
				f, err := strconv.ParseFloat(v.Value, 64)
				if v.Kind != yaml.ScalarNode || err != nil || !(f > 0) {
					return nil, r.errorf(v, "%s: want a number of requests a second above 0, not %s", what, kindName(v))
				}
				c.Rate = f
			case "paths":
				list, nodes, err := r.strings(v, what, "globs")
				if err != nil {
					return nil, err
				}
				for i, g := range list {
					glob, err := engine.ParseGlob(g)
					if err != nil {
						return nil, r.errorf(nodes[i], "%s: %q: %v", what, g, err)
					}
					s.Paths = append(s.Paths, glob)
				}
			}
		}
		if urlNode == nil {
			return nil, r.errorf(item, "servers: a server needs a url")
		}
		u, err := url.Parse(c.URL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			return nil, r.errorf(urlNode, "servers: url: want http:// or https:// with a host")
		case u.User != nil:
			return nil, r.errorf(urlNode, "servers: url: put credentials in basicAuth (with ${VAR} for the password), not in the URL")
		}
		if c.BasicAuth != nil && (c.BearerToken != "" || c.BearerTokenFile != "") {
			return nil, r.errorf(item, "servers: a bearer token and basicAuth do not go together")
		}
		if c.BearerToken != "" && c.BearerTokenFile != "" {
			return nil, r.errorf(item, "servers: bearerToken and bearerTokenFile do not go together")
		}
		name := c.DisplayName()
		if names[name] {
			return nil, r.errorf(item, "servers: %q is named twice", name)
		}
		names[name] = true
		out = append(out, s)
	}
	return out, nil
}

// str reads a string value.
func (r *reader) str(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return "", r.errorf(n, "%s: want a string, not %s", what, kindName(n))
	}
	return n.Value, nil
}
