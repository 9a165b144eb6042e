// Package config parses dockerproxy's flags and their environment
// equivalents, and refuses unsafe combinations.
//
// Every flag -name has an environment variable DOCKERPROXY_NAME (upper
// case, dashes as underscores); a flag on the command line wins. -allow may
// be repeated; its variable holds rules separated by ";".
package config

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/certs"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/owner"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/policy"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/proxy"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
	"github.com/streamvet/streamvet/runtime/streamsafe"
)

// Config is the parsed, validated configuration.
type Config struct {
	Listen   string // address to serve the Docker API on
	Upstream string // daemon address
	// UpstreamTLSDir holds ca.pem, cert.pem and key.pem for a daemon's own
	// TLS listener (DOCKER_CERT_PATH layout); empty: no TLS to the daemon.
	UpstreamTLSDir string
	TLSDir         string // directory with ca.pem, server-cert.pem, server-key.pem
	TLSCert        string // server certificate (PEM)
	TLSKey         string // server key (PEM)
	TLSClientCA    string // CA for client certificates; set means mTLS required
	TokenFile      string // file holding the bearer token
	Token          string // the token read from TokenFile, when it holds one unnamed token
	// Tokens maps each named token in TokenFile to its client name.
	Tokens map[string]string
	// TokenFileMode is TokenFile's permission bits, so that a file that
	// others can read is reported.
	TokenFileMode os.FileMode
	Policy        *policy.Policy
	Limits        proxy.Limits
	Grace         time.Duration // shutdown grace period
	ReadHeader    time.Duration // http.Server ReadHeaderTimeout
	KeepAlive     time.Duration // http.Server IdleTimeout
	AdminListen   string        // address for /healthz and /metrics; empty: off
	// AdminTLS: the admin address is not loopback, so it is served with
	// the main listener's TLS and client authentication.
	AdminTLS bool
	// ListenName is -listen as given; Listen is its resolved address.
	ListenName string
	LogLevel   slog.Level
	LogFormat  string // text or json
	// AllowHosts are names clients reach the proxy by besides the
	// listener's addresses and the serving certificate's names.
	AllowHosts []string
	// AllowOrigins are browser origins allowed to send requests; "*"
	// allows any. Empty: requests from web pages are refused.
	AllowOrigins []string
	// Version: print the version and exit.
	Version bool
	// Caps on client connections and requests in flight, in total and
	// per client (identity, or IP address without one); 0: no cap.
	MaxConns, MaxConnsPerClient     int
	MaxStreams, MaxStreamsPerClient int
	// ClientPolicies replace Policy for the clients they name, from
	// -client-policies.
	ClientPolicies map[string]*policy.Policy
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, "; ") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

// Parse parses args (without the program name) with getenv for the
// environment, and validates the result. Usage goes to out.
func Parse(args []string, getenv func(string) string, out io.Writer) (*Config, error) {
	c := &Config{Limits: proxy.DefaultLimits}
	fs := flag.NewFlagSet("dockerproxy", flag.ContinueOnError)
	fs.SetOutput(out)
	var policyName, level, minAPI, clientPolicies string
	var allowBind, allowLogDriver multi
	var ownership bool
	var allow, allowHosts, allowOrigins multi
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:2376", "`address` to serve the Docker API on")
	fs.StringVar(&c.Upstream, "upstream", "unix:///var/run/docker.sock", "daemon `address`: unix:///path, tcp://host:port or https://host:port")
	fs.StringVar(&c.UpstreamTLSDir, "upstream-tls-dir", "", "`directory` with ca.pem, cert.pem and key.pem (DOCKER_CERT_PATH layout) for a daemon's TLS listener (dockerd --tlsverify); makes a tcp:// upstream TLS")
	fs.StringVar(&c.TLSDir, "tls-dir", "", "`directory` with ca.pem, server-cert.pem and server-key.pem (as written by gen-certs); sets the three file flags' defaults")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "server certificate `file` (PEM)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "server private key `file` (PEM)")
	fs.StringVar(&c.TLSClientCA, "tls-client-ca", "", "CA `file` for client certificates; when set, clients must present a certificate it signed")
	fs.StringVar(&c.TokenFile, "token-file", "", "`file` holding a bearer token clients must send as \"Authorization: Bearer TOKEN\" (docker: HttpHeaders in config.json), or one \"NAME TOKEN\" line per client")
	fs.StringVar(&policyName, "policy", "full", "`profile`: full (every endpoint the proxy can inspect, with the body rules), observe (read-only is its alias), build-push, ci-runner, allowlist (only -allow rules), or all (no checks)")
	fs.Var(&allow, "allow", "`rule` \"METHOD /path/pattern\" (path.Match syntax, version prefix ignored) that extends the profile; repeatable")
	fs.StringVar(&minAPI, "min-api-version", policy.DefaultMinAPIVersion, "oldest Docker API `version` allowed in a /vX.Y prefix (every policy but all); older versions re-open removed parameters")
	fs.Var(&allowBind, "allow-bind", "host `directory` that bind mounts may use, with everything under it (every policy but all); repeatable")
	fs.Var(&allowLogDriver, "allow-log-driver", "logging `driver` (syslog, fluentd, gelf, a plugin…) containers and services may use, with any options: the daemon then sends their output where the options say; without it only the daemon's default and json-file, local, journald and none with file options pass (every policy but all); repeatable")
	fs.StringVar(&clientPolicies, "client-policies", "", "`file` with one \"CLIENT PROFILE [admin] [RULE; RULE...]\" line per client identity (certificate name or token name); other clients get -policy; admin: the client acts on every client's objects")
	fs.BoolVar(&ownership, "ownership", true, "every client owns what it creates: objects get its identity as the label "+owner.Key+", and a client may use, list and see events of its own objects only (shared images too); a client without identity owns the objects without the label; admin clients (-client-policies) every object; false: any client reaches every object")
	// One flag per stream class, named as the class is in logs and
	// metrics (route.Class.String); the older -idle-* names stay as
	// aliases, left out of -h.
	for _, l := range []struct {
		class route.Class
		d     *time.Duration
		old   string
		usage string
	}{
		{route.Short, &c.Limits.Short, "idle-short", "inactivity limit of class short (requests in no other class): how long a read or write may stay blocked (0: no limit)"},
		{route.Progress, &c.Limits.Progress, "idle-progress", "inactivity limit of class progress: pull, push, build, commit"},
		{route.Bulk, &c.Limits.Bulk, "idle-bulk", "inactivity limit of class bulk: save, load, export, archive"},
		{route.Idle, &c.Limits.Idle, "idle-stream", "inactivity limit of class idle: events, logs -f, stats, wait (silence never cuts them, a blocked write does)"},
	} {
		name := "limit-" + l.class.String()
		fs.DurationVar(l.d, name, *l.d, l.usage)
		fs.Func(l.old, deprecated+"-"+name, func(v string) error { return fs.Set(name, v) })
	}
	fs.BoolVar(&c.Version, "version", false, "print the version and exit")
	fs.DurationVar(&c.Grace, "grace", 10*time.Second, "on SIGTERM, how long requests in flight may take before they are cut")
	fs.DurationVar(&c.ReadHeader, "read-header-timeout", streamsafe.ServerReadHeaderTimeout, "time allowed to receive request headers")
	fs.DurationVar(&c.KeepAlive, "keepalive-timeout", streamsafe.ServerIdleTimeout, "how long an idle keep-alive connection is kept")
	fs.StringVar(&c.AdminListen, "admin-listen", "", "`address` serving /healthz and /metrics (empty: off): plain HTTP on loopback, elsewhere TLS with the API's client authentication; not 9323, dockerd's own metrics port")
	fs.Var(&allowHosts, "allow-host", "`name` clients use to reach the proxy, besides the listener's addresses and the server certificate's names; any other Host is refused (DNS rebinding); repeatable")
	fs.Var(&allowOrigins, "allow-origin", "browser `origin` (https://ui.example) allowed to send requests, \"*\" for any; by default requests from web pages (Origin, Sec-Fetch-Site) are refused; repeatable")
	fs.IntVar(&c.MaxConns, "max-connections", 4096, "client connections open at once, in total; over it a connection is answered 503 (0: no limit)")
	fs.IntVar(&c.MaxConnsPerClient, "max-connections-per-client", 1024, "client connections per client (certificate name, or IP address); over it 429 (0: no limit)")
	fs.IntVar(&c.MaxStreams, "max-streams", 4096, "requests in flight (events, logs -f, attach included), in total; over it 503 (0: no limit)")
	fs.IntVar(&c.MaxStreamsPerClient, "max-streams-per-client", 1024, "requests in flight per client (certificate name, token name, or IP address); over it 429 (0: no limit)")
	fs.StringVar(&level, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")

	// Environment first, so that the command line wins.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := EnvName(f.Name)
		v := getenv(name)
		if v == "" {
			return
		}
		vals := []string{v}
		switch f.Name {
		case "allow":
			vals = strings.Split(v, ";")
		case "allow-bind", "allow-log-driver":
			vals = strings.Split(v, ",")
		case "allow-host", "allow-origin":
			vals = strings.Split(v, ",")
		}
		for _, v := range vals {
			if err := fs.Set(f.Name, strings.TrimSpace(v)); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s: %v", name, err)
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if c.Version {
		return c, nil
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.AllowHosts, c.AllowOrigins = allowHosts, allowOrigins
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level: %v", err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return nil, fmt.Errorf("-log-format: want text or json, not %q", c.LogFormat)
	}
	policySet := false
	fs.Visit(func(f *flag.Flag) { policySet = policySet || f.Name == "policy" }) // env variables are set as flags too
	if !policySet && len(allow) > 0 {
		policyName = "allowlist" // -allow alone means an allowlist
	}
	popts := policy.Options{Name: policyName, Allow: allow, MinAPIVersion: minAPI, Ownership: ownership,
		Body: bodyrule.Options{BindPaths: allowBind, LogDrivers: allowLogDriver, ResolveSymlinks: strings.HasPrefix(c.Upstream, "unix://")}}
	for _, d := range allowLogDriver {
		if d == "" || strings.TrimSpace(d) != d {
			return nil, fmt.Errorf("-allow-log-driver: %q is not a driver name", d)
		}
	}
	for _, b := range allowBind {
		if !filepath.IsAbs(b) {
			return nil, fmt.Errorf("-allow-bind: %q is not an absolute path", b)
		}
	}
	p, err := policy.New(popts)
	if err != nil {
		return nil, err
	}
	c.Policy = p
	if clientPolicies != "" {
		if c.ClientPolicies, err = readClientPolicies(clientPolicies, popts); err != nil {
			return nil, fmt.Errorf("-client-policies: %v", err)
		}
	}
	if c.TLSDir != "" {
		def := func(v *string, name string) {
			if *v == "" {
				*v = filepath.Join(c.TLSDir, name)
			}
		}
		def(&c.TLSCert, certs.ServerCertFile)
		def(&c.TLSKey, certs.ServerKeyFile)
		def(&c.TLSClientCA, certs.CAFile)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return nil, errors.New("-tls-cert and -tls-key go together")
	}
	if c.TLSClientCA != "" && c.TLSCert == "" {
		return nil, errors.New("-tls-client-ca needs -tls-cert and -tls-key")
	}
	if c.TokenFile != "" {
		b, err := os.ReadFile(c.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("-token-file: %v", err)
		}
		if fi, err := os.Stat(c.TokenFile); err == nil {
			c.TokenFileMode = fi.Mode().Perm()
		}
		if c.Token, c.Tokens, err = parseTokens(string(b)); err != nil {
			return nil, fmt.Errorf("-token-file: %v", err)
		}
	}
	listen, loop, err := Resolve(c.Listen)
	if err != nil {
		return nil, fmt.Errorf("-listen: %v", err)
	}
	c.ListenName, c.Listen = c.Listen, listen
	if !loop {
		if c.TLSCert == "" {
			return nil, fmt.Errorf("refusing to listen on non-loopback address %s without TLS: anyone who can reach it would control the Docker daemon; set -tls-cert and -tls-key (and -tls-client-ca or -token-file)", c.Listen)
		}
		if c.TLSClientCA == "" && c.Token == "" && len(c.Tokens) == 0 {
			return nil, fmt.Errorf("refusing to listen on non-loopback address %s without client authentication: anyone who can reach it would control the Docker daemon; set -tls-client-ca (client certificates) or -token-file (bearer token)", c.Listen)
		}
	}
	if c.AdminListen != "" {
		admin, loop, err := Resolve(c.AdminListen)
		if err != nil {
			return nil, fmt.Errorf("-admin-listen: %v", err)
		}
		c.AdminListen = admin
		if _, port, _ := net.SplitHostPort(admin); port == "9323" {
			return nil, errors.New("-admin-listen: 9323 is dockerd's own metrics port (--metrics-addr); use another, e.g. 127.0.0.1:9324")
		}
		// The admin listener gets the main listener's rule: off loopback
		// it serves TLS with the same client authentication.
		if !loop && (c.TLSCert == "" || (c.TLSClientCA == "" && c.Token == "" && len(c.Tokens) == 0)) {
			return nil, fmt.Errorf("refusing to serve /metrics and /healthz on non-loopback address %s without TLS and client authentication; use a loopback address or set -tls-cert, -tls-key and -tls-client-ca or -token-file", c.AdminListen)
		}
		c.AdminTLS = !loop
	}
	return c, nil
}

// deprecated starts the usage of a flag kept as an alias; usage leaves
// such flags out.
const deprecated = "deprecated alias of "

// EnvName is the environment variable that sets flag name.
func EnvName(name string) string {
	return "DOCKERPROXY_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// usage prints the subcommands and every flag with its environment
// variable.
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, `Usage:
  dockerproxy [flags]             serve the Docker API over HTTPS
  dockerproxy gen-certs [flags]   write a CA, server and client certificates, or renew
                                  them from an existing CA (dockerproxy gen-certs -h)
  dockerproxy -version            print the version

Every flag can also be set by the environment variable shown after it;
the command line wins. DOCKERPROXY_ALLOW separates rules with ";",
DOCKERPROXY_ALLOW_HOST, _ALLOW_ORIGIN, _ALLOW_BIND and _ALLOW_LOG_DRIVER
values with ",".

`)
	fs.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Usage, deprecated) {
			return
		}
		name, u := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  -%s", f.Name)
		if name != "" {
			fmt.Fprintf(w, " %s", name)
		}
		fmt.Fprintf(w, "    $%s\n    \t%s", EnvName(f.Name), strings.ReplaceAll(u, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "[]" {
			fmt.Fprintf(w, " (default %q)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// lookupIP resolves listener names; tests replace it.
var lookupIP = func(host string) ([]net.IP, error) {
	return net.DefaultResolver.LookupIP(context.Background(), "ip", host)
}

// Resolve resolves the host of a listen address once, so that the proxy
// listens on the address it checked: it returns the address to listen on
// and whether it is loopback. A name counts as loopback only when every
// address it resolves to is loopback: "localhost" can resolve to a LAN
// address, and trusting the name would serve the daemon to the network
// without authentication. An empty host (":2376") listens on every
// interface.
func Resolve(addr string) (listen string, loopback bool, err error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", false, err
	}
	if host == "" {
		return addr, false, nil
	}
	if ip := net.ParseIP(host); ip != nil {
		return addr, ip.IsLoopback(), nil
	}
	ips, err := lookupIP(host)
	if err != nil {
		return "", false, err
	}
	if len(ips) == 0 {
		return "", false, fmt.Errorf("%s resolves to no address", host)
	}
	loopback = true
	first := ips[0]
	for _, ip := range ips {
		loopback = loopback && ip.IsLoopback()
		if first.To4() == nil && ip.To4() != nil {
			first = ip // as net.Listen does: IPv4 first
		}
	}
	return net.JoinHostPort(first.String(), port), loopback, nil
}

// parseTokens reads a token file: either one token alone, or one
// "NAME TOKEN" pair per line (blank lines and lines starting with # are
// skipped); the name identifies the client in logs, limits and profiles.
func parseTokens(text string) (token string, named map[string]string, err error) {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "", nil, errors.New("no token in the file")
	}
	check := func(t string) error {
		if len(t) < 16 {
			return fmt.Errorf("token is %d characters; use at least 16", len(t))
		}
		return nil
	}
	if len(lines) == 1 && len(strings.Fields(lines[0])) == 1 {
		return lines[0], nil, check(lines[0])
	}
	named = map[string]string{}
	names := map[string]bool{}
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) != 2 {
			return "", nil, fmt.Errorf("line %d: want NAME TOKEN", i+1)
		}
		if err := check(f[1]); err != nil {
			return "", nil, fmt.Errorf("line %d: %v", i+1, err)
		}
		if names[f[0]] {
			return "", nil, fmt.Errorf("line %d: name %q used twice", i+1, f[0])
		}
		if _, dup := named[f[1]]; dup {
			return "", nil, fmt.Errorf("line %d: token used twice", i+1)
		}
		names[f[0]] = true
		named[f[1]] = f[0]
	}
	return "", named, nil
}

// IsLoopback reports whether addr listens on loopback only (see Resolve).
func IsLoopback(addr string) (bool, error) {
	_, loop, err := Resolve(addr)
	return loop, err
}

// readClientPolicies reads lines "CLIENT PROFILE [admin] [RULE; RULE...]";
// blank lines and lines starting with # are skipped. admin makes the
// client act on every object under ownership. Each policy shares base's
// minimum API version, bind paths and ownership.
func readClientPolicies(name string, base policy.Options) (map[string]*policy.Policy, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	out := map[string]*policy.Policy{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return nil, fmt.Errorf("line %d: want \"CLIENT PROFILE [admin] [RULE; RULE...]\"", i+1)
		}
		if _, dup := out[f[0]]; dup {
			return nil, fmt.Errorf("line %d: client %q named twice", i+1, f[0])
		}
		o := base
		o.Name, o.Allow = f[1], nil
		rest := f[2:]
		if len(rest) > 0 && rest[0] == "admin" {
			o.Admin, rest = true, rest[1:]
		}
		for _, r := range strings.Split(strings.Join(rest, " "), ";") {
			if r = strings.TrimSpace(r); r != "" {
				o.Allow = append(o.Allow, r)
			}
		}
		if o.Name == "all" && len(o.Allow) > 0 {
			o.Name = "allowlist"
		}
		p, err := policy.New(o)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", i+1, err)
		}
		out[f[0]] = p
	}
	return out, nil
}
