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
	"strings"
	"syscall"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/certs"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/config"
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
	var tlsCfg *tls.Config
	if c.TLSCert != "" {
		reloader, err := certs.NewReloader(c.TLSCert, c.TLSKey, c.TLSClientCA)
		if err != nil {
			return err
		}
		tlsCfg = reloader.Config()
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		go reloadOnHUP(ctx, hup, reloader, log)
	}
	m := metrics.New()
	h := proxy.New(proxy.Options{Upstream: up, Policy: c.Policy, Token: c.Token, Tokens: c.Tokens, Limits: c.Limits, Logger: log, Metrics: m})
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return err
	}
	sc := server.Config{
		Listener: ln, TLS: tlsCfg, Handler: h, Logger: log, Grace: c.Grace,
		ReadHeaderTimeout: c.ReadHeader, IdleTimeout: c.KeepAlive,
	}
	if c.AdminListen != "" {
		if sc.AdminListener, err = net.Listen("tcp", c.AdminListen); err != nil {
			ln.Close()
			return err
		}
		sc.Admin = adminMux(up, m)
	}
	log.Info("listening", "addr", ln.Addr().String(), "tls", tlsCfg != nil,
		"client_certs", c.TLSClientCA != "", "token", c.Token != "" || len(c.Tokens) > 0, "upstream", up.Addr,
		"policy", c.Policy.String(), "admin", c.AdminListen,
		"idle_short", c.Limits.Short, "idle_progress", c.Limits.Progress,
		"idle_bulk", c.Limits.Bulk, "idle_stream", c.Limits.Idle)
	return server.Run(ctx, sc)
}

// reloadOnHUP reloads the certificates, key and client CA on SIGHUP.
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, r *certs.Reloader, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := r.Reload(); err != nil {
				log.Error("certificate reload failed; keeping the current ones", "error", err)
				continue
			}
			log.Info("certificates reloaded")
		}
	}
}

func adminMux(up *proxy.Upstream, m *metrics.Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := up.Ping(ctx); err != nil {
			http.Error(w, "daemon: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

func genCerts(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("dockerproxy gen-certs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "certs", "output `directory`")
	hosts := fs.String("hosts", "127.0.0.1,localhost", "comma-separated DNS names and IP addresses of the proxy")
	days := fs.Int("days", 365, "validity in days")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	var hs []string
	for _, h := range strings.Split(*hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hs = append(hs, h)
		}
	}
	if err := certs.Generate(*dir, hs, time.Duration(*days)*24*time.Hour); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote CA, server and client certificates to %s\nserver: dockerproxy -tls-dir %s\nclient: DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=%s\n", *dir, *dir, *dir)
	return nil
}
