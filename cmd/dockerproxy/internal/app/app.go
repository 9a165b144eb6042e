// Package app wires dockerproxy's packages together: it parses the
// configuration, builds the handler and the TLS listener, and runs until
// the context ends.
package app

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/certs"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/config"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/daemon"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/metrics"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/proxy"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/server"
)

// Main runs the command with args (without the program name).
func Main(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "gen-certs" {
		return genCerts(args[1:], stderr)
	}
	c, err := config.Parse(args, getenv, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	if c.Version {
		fmt.Fprintln(os.Stdout, Version())
		return nil
	}
	var lh slog.Handler
	hopts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		lh = slog.NewJSONHandler(stderr, hopts)
	} else {
		lh = slog.NewTextHandler(stderr, hopts)
	}
	log := slog.New(lh)

	if c.TokenFileMode&0o077 != 0 {
		// Anyone who can read the token controls the daemon.
		log.Warn("token file is readable by group or others; chmod 600 it", "file", c.TokenFile, "mode", c.TokenFileMode.String())
	}
	var upTLS *tls.Config
	if c.UpstreamTLSDir != "" {
		if upTLS, err = certs.ClientConfig(c.UpstreamTLSDir); err != nil {
			return fmt.Errorf("-upstream-tls-dir: %w", err)
		}
	}
	up, err := proxy.ParseUpstream(c.Upstream, upTLS)
	if err != nil {
		return err
	}
	m := metrics.New()
	var tlsCfg *tls.Config
	var reloader *certs.Reloader
	if c.TLSCert != "" {
		if reloader, err = certs.NewReloader(c.TLSCert, c.TLSKey, c.TLSClientCA); err != nil {
			return err
		}
		tlsCfg = reloader.Config()
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		expiry := &expiryCheck{r: reloader, log: log, m: m}
		// The gauges and the warning are in place before the proxy says it
		// is listening.
		expiry.check()
		go reloadOnHUP(ctx, hup, reloader, log, expiry)
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return err
	}
	// The names a client may put in Host: the listeners' own names and
	// addresses, the serving certificate's, and -allow-host.
	hosts := listenerHosts(c.ListenName, ln.Addr())
	var adminLn net.Listener
	if c.AdminListen != "" {
		if adminLn, err = net.Listen("tcp", c.AdminListen); err != nil {
			ln.Close()
			return err
		}
		hosts = append(hosts, listenerHosts(c.AdminListen, adminLn.Addr())...)
	}
	if reloader != nil {
		hosts = append(hosts, reloader.Info().Names...)
	}
	hosts = append(hosts, c.AllowHosts...)
	h := proxy.New(proxy.Options{
		Upstream: up, Policy: c.Policy, ClientPolicies: c.ClientPolicies, Token: c.Token, Tokens: c.Tokens, Limits: c.Limits,
		Site:       proxy.Site{Hosts: hosts, Origins: c.AllowOrigins},
		MaxStreams: c.MaxStreams, MaxStreamsPerClient: c.MaxStreamsPerClient,
		Logger: log, Metrics: m,
	})
	// The policies look up containers and networks that bodies name
	// through the proxy's own connection pool to the daemon.
	resolver := daemon.New(up.Transport, up.URL, daemon.DefaultTTL)
	c.Policy.UseDaemon(resolver)
	for _, p := range c.ClientPolicies {
		p.UseDaemon(resolver)
	}
	sc := server.Config{
		Listener: ln, TLS: tlsCfg, Handler: h, Logger: log, Grace: c.Grace,
		ReadHeaderTimeout: c.ReadHeader, IdleTimeout: c.KeepAlive,
		Limits:  server.ConnLimits{Total: c.MaxConns, PerClient: c.MaxConnsPerClient},
		Metrics: m,
	}
	checkFileLimit(log, c.MaxConns, c.MaxStreams)
	if adminLn != nil {
		sc.AdminListener = adminLn
		if c.AdminTLS {
			// Off loopback: the main listener's TLS, client certificates
			// and token.
			sc.AdminListener = tls.NewListener(adminLn, tlsCfg)
		}
		hc := &healthCheck{up: up, ttl: healthTTL, log: log}
		sc.Admin = h.Guard(adminMux(hc, m), c.AdminTLS)
	}
	// The addresses are the listeners' own, so ":0" reports the port the
	// kernel chose.
	adminAddr := ""
	if adminLn != nil {
		adminAddr = adminLn.Addr().String()
	}
	log.Info("listening", "addr", ln.Addr().String(), "tls", tlsCfg != nil,
		"client_certs", c.TLSClientCA != "", "token", c.Token != "" || len(c.Tokens) > 0, "upstream", up.Addr,
		"policy", c.Policy.String(), "admin", adminAddr,
		"limit_short", c.Limits.Short, "limit_progress", c.Limits.Progress,
		"limit_bulk", c.Limits.Bulk, "limit_idle", c.Limits.Idle,
		"max_connections", c.MaxConns, "max_connections_per_client", c.MaxConnsPerClient,
		"max_streams", c.MaxStreams, "max_streams_per_client", c.MaxStreamsPerClient,
		"version", Version())
	return server.Run(ctx, sc)
}

// Version describes the build: module version, VCS revision and time
// (with "+dirty" for uncommitted changes), and Go version.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dockerproxy (unknown build)"
	}
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	v := "dockerproxy " + bi.Main.Path + " " + bi.Main.Version
	if rev != "" {
		v += " revision " + rev + dirty
	}
	if at != "" {
		v += " " + at
	}
	return v + " " + bi.GoVersion
}

// checkFileLimit warns when the process may run out of file descriptors
// before the connection limits are reached: each stream holds a client
// connection and one to the daemon.
func checkFileLimit(log *slog.Logger, conns, streams int) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return
	}
	need := uint64(conns) + uint64(streams) + 64
	if conns == 0 || streams == 0 || rl.Cur < need {
		log.Warn("the file descriptor limit may be reached before the connection limits; raise LimitNOFILE or lower -max-connections and -max-streams",
			"nofile", rl.Cur, "max_connections", conns, "max_streams", streams)
	}
}

// expiryCheck keeps the expiry gauges current and warns, daily, when a
// certificate expires within expiryWarning.
type expiryCheck struct {
	r      *certs.Reloader
	log    *slog.Logger
	m      *metrics.Metrics
	warned time.Time
}

func (e *expiryCheck) check() {
	info := e.r.Info()
	now := time.Now()
	warn := now.Sub(e.warned) >= 24*time.Hour
	for _, c := range []struct {
		name string
		at   time.Time
	}{{"server", info.ServerNotAfter}, {"client_ca", info.ClientCANotAfter}} {
		if c.at.IsZero() {
			continue
		}
		left := c.at.Sub(now)
		e.m.CertExpiry.WithLabelValues(c.name).Set(left.Seconds())
		if warn && left < expiryWarning {
			e.log.Warn("certificate expires soon; renew it (gen-certs re-issues from the same CA) and reload", "cert", c.name,
				"not_after", c.at.UTC().Format(time.RFC3339), "days_left", int(left.Hours()/24))
			e.warned = now
		}
	}
}

// reloadOnHUP reloads the certificates, key and client CA on SIGHUP, and
// runs the expiry check every minute and after each reload.
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, r *certs.Reloader, log *slog.Logger, expiry *expiryCheck) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			expiry.check()
		case <-hup:
			if err := r.Reload(); err != nil {
				log.Error("certificate reload failed; keeping the current ones", "error", err)
				continue
			}
			log.Info("certificates reloaded")
			expiry.warned = time.Time{}
			expiry.check()
		}
	}
}

// expiryWarning is how long before a certificate expires the proxy starts
// warning: time to renew it and roll it out.
const expiryWarning = 30 * 24 * time.Hour

func adminMux(hc *healthCheck, m *metrics.Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := hc.check(); err != nil {
			// The cause, with the socket path, goes to the log only.
			http.Error(w, "the Docker daemon does not answer", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

// healthTTL is how long a daemon ping answers /healthz: probes from
// several monitors, or a loop, cost the daemon one ping per period.
const healthTTL = 2 * time.Second

// healthCheck pings the daemon at most once per ttl; concurrent callers
// wait for the one ping in flight.
type healthCheck struct {
	up  *proxy.Upstream
	ttl time.Duration
	log *slog.Logger

	mu  sync.Mutex
	at  time.Time
	err error
}

func (hc *healthCheck) check() error {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if !hc.at.IsZero() && time.Since(hc.at) < hc.ttl {
		return hc.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := hc.up.Ping(ctx)
	if err != nil && (hc.err == nil || hc.at.IsZero()) {
		hc.log.Warn("health check: the daemon does not answer", "upstream", hc.up.Addr, "error", err)
	}
	hc.at, hc.err = time.Now(), err
	return err
}

// listenerHosts returns the names and addresses a client may use for a
// listener given as name and bound to addr: the name as given, the bound
// address, localhost on loopback, and every interface address and the
// host name when it listens on all of them.
func listenerHosts(name string, addr net.Addr) []string {
	var hosts []string
	if h, _, err := net.SplitHostPort(name); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return hosts
	}
	hosts = append(hosts, ta.IP.String())
	switch {
	case ta.IP.IsLoopback():
		hosts = append(hosts, "localhost")
	case ta.IP.IsUnspecified():
		hosts = append(hosts, "localhost")
		if hn, err := os.Hostname(); err == nil {
			hosts = append(hosts, hn)
		}
		if as, err := net.InterfaceAddrs(); err == nil {
			for _, a := range as {
				if ipn, ok := a.(*net.IPNet); ok {
					hosts = append(hosts, ipn.IP.String())
				}
			}
		}
	}
	return hosts
}

func genCerts(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("dockerproxy gen-certs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: dockerproxy gen-certs [flags]

In a new directory: writes a CA (ca.pem, ca-key.pem), a server certificate
(server-cert.pem, server-key.pem) and a client certificate (cert.pem, key.pem).
In a directory that holds ca.pem and ca-key.pem: re-issues the server and
client certificates from that CA, so clients keep working (renewal, new -hosts).
With -client NAME: issues one more client certificate, named NAME, from the CA.

`)
		fs.PrintDefaults()
	}
	dir := fs.String("dir", "certs", "`directory` of the CA and the server certificate")
	hosts := fs.String("hosts", "127.0.0.1,localhost", "comma-separated DNS names and IP addresses of the proxy")
	days := fs.Int("days", 365, "validity in days (never beyond the CA's)")
	client := fs.String("client", "", "issue a client certificate with this subject common `name` (the client's identity) from the CA in -dir")
	out := fs.String("out", "", "`directory` for -client's ca.pem, cert.pem, key.pem (default: DIR/clients/NAME)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	validFor := time.Duration(*days) * 24 * time.Hour
	var hs []string
	for _, h := range strings.Split(*hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hs = append(hs, h)
		}
	}
	if *client != "" {
		if *out == "" {
			*out = filepath.Join(*dir, "clients", *client)
		}
		notAfter, err := certs.IssueClient(*dir, *out, *client, validFor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote a client certificate for %q, valid until %s, to %s\nclient: %s\n", *client, notAfter.Format(time.DateOnly), *out, clientEnv(hs, *out))
		return nil
	}
	if certs.HasCA(*dir) {
		notAfter, err := certs.Reissue(*dir, hs, validFor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "re-issued the server and client certificates in %s from its CA, valid until %s\nrunning server: systemctl reload dockerproxy (or kill -HUP) loads them; clients keep working\n", *dir, notAfter.Format(time.DateOnly))
		return nil
	}
	if err := certs.Generate(*dir, hs, validFor); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote CA, server and client certificates to %s\nserver: dockerproxy -tls-dir %s\nclient: %s\n", *dir, *dir, clientEnv(hs, *dir))
	return nil
}

// defaultPort is the port of -listen's default, the Docker API's TLS port.
const defaultPort = "2376"

// clientEnv is the docker CLI's environment for a client certificate in
// dir: the first of the server certificate's hosts on -listen's default
// port, TLS verification, and the directory, absolute so that the line
// works from anywhere.
func clientEnv(hosts []string, dir string) string {
	host := "127.0.0.1"
	if len(hosts) > 0 {
		host = hosts[0]
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return fmt.Sprintf("DOCKER_HOST=tcp://%s DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=%s", net.JoinHostPort(host, defaultPort), dir)
}
