package proxy_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/app"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/proxy"
	"github.com/streamvet/streamvet/runtime/streamsafe"
)

// BenchmarkPing measures HEAD /_ping, sent one after another over a
// keep-alive connection, directly to a daemon-like server on a unix socket
// and through each proxy on loopback TCP: a stock httputil.ReverseProxy,
// the proxy Handler, and the whole program (app.Main). Client, proxy and
// daemon share one Go runtime here, so the differences are the proxies'
// own work; what a proxy in a process of its own adds between processes
// (thread wake-ups, mostly) is measured by ../../bench/run.sh.
//
//	go test -run '^$' -bench Ping -benchmem ./cmd/dockerproxy/internal/proxy/
func BenchmarkPing(b *testing.B) {
	sock := filepath.Join(b.TempDir(), "d.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	daemon := &http.Server{Handler: http.HandlerFunc(pingHandler)}
	go daemon.Serve(ln)
	b.Cleanup(func() { daemon.Close() })
	dialSocket := func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}

	b.Run("direct", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{DialContext: dialSocket}}
		benchPing(b, client, "http://docker")
	})
	b.Run("httputil", func(b *testing.B) {
		rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "docker"})
		rp.Transport = &http.Transport{DialContext: dialSocket}
		benchPing(b, &http.Client{}, serve(b, rp))
	})
	b.Run("handler", func(b *testing.B) {
		up, err := proxy.ParseUpstream("unix://"+sock, nil)
		if err != nil {
			b.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
		h := proxy.New(proxy.Options{Upstream: up, Limits: proxy.DefaultLimits, Logger: log})
		benchPing(b, &http.Client{}, serve(b, streamsafe.Recover(h, log)))
	})
	b.Run("app", func(b *testing.B) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		var runErr error
		go func() {
			defer close(done)
			runErr = app.Main(ctx, []string{"-listen", addr, "-upstream", "unix://" + sock, "-log-level", "info"}, func(string) string { return "" }, io.Discard)
		}()
		b.Cleanup(func() { cancel(); <-done })
		for {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-done:
				b.Fatalf("dockerproxy exited: %v", runErr)
			case <-time.After(10 * time.Millisecond):
			}
		}
		benchPing(b, &http.Client{}, "http://"+addr)
	})
}

// pingHandler answers like dockerd's HEAD /_ping.
func pingHandler(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Api-Version", "1.41")
	h.Set("Docker-Experimental", "false")
	h.Set("Ostype", "linux")
	h.Set("Server", "Docker/20.10.24+dfsg1 (linux)")
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", "2")
	if r.Method != http.MethodHead {
		io.WriteString(w, "OK")
	}
}

func serve(b *testing.B, h http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func benchPing(b *testing.B, c *http.Client, base string) {
	req, err := http.NewRequest(http.MethodHead, base+"/_ping", nil)
	if err != nil {
		b.Fatal(err)
	}
	ping := func() {
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %s", res.Status)
		}
	}
	ping() // connect outside the timed loop
	b.ResetTimer()
	for b.Loop() {
		ping()
	}
}
