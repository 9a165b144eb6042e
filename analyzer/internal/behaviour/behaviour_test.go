package behaviour_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// logBuf is a log destination safe for concurrent use.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const chunk = 1024

// dying is an upstream that streams n chunks, flushing each, then hijacks
// the connection and closes it: the stream breaks mid-body, as when a
// backend crashes or a connection resets.
func dying(n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for range n {
			w.Write(bytes.Repeat([]byte("x"), chunk))
			rc.Flush()
		}
		conn, _, err := rc.Hijack()
		if err != nil {
			panic(err)
		}
		conn.Close()
	}
}

// slow is a healthy upstream that streams n chunks, one every gap.
func slow(n int, gap time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for range n {
			if _, err := w.Write(bytes.Repeat([]byte("x"), chunk)); err != nil {
				return
			}
			rc.Flush()
			select {
			case <-time.After(gap):
			case <-r.Context().Done():
				return
			}
		}
	}
}

// rig is an upstream, a front server built around a ReverseProxy to it,
// and the logs of both the proxy and the front server.
type rig struct {
	up, front *httptest.Server
	proxyLog  logBuf
	serverLog logBuf
}

// newRig starts upstream and a front server whose handler is made by
// front from a ReverseProxy to upstream; conf adjusts the front server.
func newRig(t *testing.T, upstream http.Handler, front func(p *httputil.ReverseProxy) http.Handler, conf func(*http.Server)) *rig {
	t.Helper()
	g := &rig{}
	g.up = httptest.NewServer(upstream)
	target, _ := url.Parse(g.up.URL)
	p := &httputil.ReverseProxy{
		Rewrite:       func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		FlushInterval: -1,
		ErrorLog:      log.New(&g.proxyLog, "", 0),
	}
	g.front = httptest.NewUnstartedServer(front(p))
	g.front.Config.ErrorLog = log.New(&g.serverLog, "", 0)
	if conf != nil {
		conf(g.front.Config)
	}
	g.front.Start()
	t.Cleanup(g.up.Close)
	t.Cleanup(g.front.Close)
	return g
}

// result is what the client got.
type result struct {
	status  int
	n       int           // body bytes received
	err     error         // error ending the body, nil when it ended cleanly
	first   time.Duration // time to the first body byte (or to the end)
	elapsed time.Duration
}

func (g *rig) get(t *testing.T) result {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	start := time.Now()
	resp, err := client.Get(g.front.URL)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	res := result{status: resp.StatusCode}
	br := bufio.NewReaderSize(resp.Body, 16)
	if _, err := br.Peek(1); err == nil || err == io.EOF {
		res.first = time.Since(start)
	}
	var n int64
	n, res.err = io.Copy(io.Discard, br)
	res.n = int(n)
	res.elapsed = time.Since(start)
	return res
}

// logs closes the front server, which waits for its handlers, and
// returns what the proxy and the server logged.
func (g *rig) logs() (proxy, server string) {
	g.front.Close()
	return g.proxyLog.String(), g.serverLog.String()
}

func proxyAsIs(p *httputil.ReverseProxy) http.Handler { return p }

// (a) An absolute WriteTimeout cuts a healthy stream behind a
// ReverseProxy: the client gets an error mid-body, and nothing anywhere
// says why.
func TestWriteTimeout(t *testing.T) {
	const n = 20 // 20 chunks, 50ms apart: a healthy 1s stream
	t.Run("anti-pattern", func(t *testing.T) {
		g := newRig(t, slow(n, 50*time.Millisecond), proxyAsIs, func(s *http.Server) { s.WriteTimeout = 300 * time.Millisecond })
		res := g.get(t)
		proxyLog, serverLog := g.logs()
		t.Logf("client: %d of %d bytes, err=%v; proxy log %q; server log %q", res.n, n*chunk, res.err, proxyLog, serverLog)
		if !errors.Is(res.err, io.ErrUnexpectedEOF) || res.n >= n*chunk {
			t.Errorf("client: got %d bytes, err=%v; want a truncated body ending in unexpected EOF", res.n, res.err)
		}
		if proxyLog != "" || serverLog != "" {
			t.Errorf("want nothing logged, got proxy %q, server %q", proxyLog, serverLog)
		}
	})
	t.Run("fixed", func(t *testing.T) {
		g := newRig(t, slow(n, 50*time.Millisecond), proxyAsIs, func(s *http.Server) {
			s.ReadHeaderTimeout = 300 * time.Millisecond
			s.IdleTimeout = 300 * time.Millisecond
		})
		res := g.get(t)
		proxyLog, serverLog := g.logs()
		t.Logf("client: %d of %d bytes, err=%v; proxy log %q; server log %q", res.n, n*chunk, res.err, proxyLog, serverLog)
		if res.err != nil || res.n != n*chunk {
			t.Errorf("client: got %d bytes, err=%v; want the whole body", res.n, res.err)
		}
	})
}

// swallow is recovery middleware that drops http.ErrAbortHandler, as
// code does to keep logs quiet; rethrow re-panics it.
func recovery(rethrow bool) func(p *httputil.ReverseProxy) http.Handler {
	return func(p *httputil.ReverseProxy) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				//streamvet:ignore the anti-pattern whose cost this test measures
				if rec := recover(); rec != nil {
					if err, ok := rec.(error); ok && errors.Is(err, http.ErrAbortHandler) {
						if rethrow {
							panic(rec)
						}
						return
					}
					http.Error(w, "internal error", http.StatusInternalServerError)
				}
			}()
			p.ServeHTTP(w, r)
		})
	}
}

// (b) Recovery middleware that swallows ErrAbortHandler turns a broken
// upstream stream into a response that looks complete.
func TestRecoverSwallows(t *testing.T) {
	const n = 5
	t.Run("anti-pattern", func(t *testing.T) {
		g := newRig(t, dying(n), recovery(false), nil)
		res := g.get(t)
		proxyLog, serverLog := g.logs()
		t.Logf("client: %d bytes, err=%v; proxy log %q; server log %q", res.n, res.err, proxyLog, serverLog)
		if res.err != nil || res.n != n*chunk {
			t.Errorf("client: got %d bytes, err=%v; want the %d bytes sent before the break and no error", res.n, res.err, n*chunk)
		}
		if !strings.Contains(proxyLog, "read error during body copy") {
			t.Errorf("proxy log %q: want the read error", proxyLog)
		}
	})
	t.Run("fixed", func(t *testing.T) {
		g := newRig(t, dying(n), recovery(true), nil)
		res := g.get(t)
		proxyLog, serverLog := g.logs()
		t.Logf("client: %d bytes, err=%v; proxy log %q; server log %q", res.n, res.err, proxyLog, serverLog)
		if !errors.Is(res.err, io.ErrUnexpectedEOF) {
			t.Errorf("client: got %d bytes, err=%v; want unexpected EOF", res.n, res.err)
		}
		if !strings.Contains(proxyLog, "read error during body copy") {
			t.Errorf("proxy log %q: want the read error", proxyLog)
		}
	})
}

func withContext(ctx func(r *http.Request) context.Context) func(p *httputil.ReverseProxy) http.Handler {
	return func(p *httputil.ReverseProxy) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p.ServeHTTP(w, r.WithContext(ctx(r)))
		})
	}
}

var (
	background  = func(*http.Request) context.Context { return context.Background() }
	withoutCanc = func(r *http.Request) context.Context { return context.WithoutCancel(r.Context()) }
	requestCtx  = func(r *http.Request) context.Context { return r.Context() }
)

// (c) A request whose context was replaced with context.Background()
// before the ReverseProxy: the proxy no longer panics, it logs
// "suppressing panic" and returns, and the server ends the response
// cleanly.
func TestDetachedContext(t *testing.T) {
	const n = 5
	t.Run("anti-pattern", func(t *testing.T) {
		g := newRig(t, dying(n), withContext(background), nil)
		res := g.get(t)
		proxyLog, serverLog := g.logs()
		t.Logf("client: %d bytes, err=%v; proxy log %q; server log %q", res.n, res.err, proxyLog, serverLog)
		if res.err != nil || res.n != n*chunk {
			t.Errorf("client: got %d bytes, err=%v; want the %d bytes sent before the break and no error", res.n, res.err, n*chunk)
		}
		if !strings.Contains(proxyLog, "suppressing panic") {
			t.Errorf("proxy log %q: want suppressing panic", proxyLog)
		}
	})
	t.Run("fixed", func(t *testing.T) {
		g := newRig(t, dying(n), withContext(withoutCanc), nil)
		res := g.get(t)
		proxyLog, serverLog := g.logs()
		t.Logf("client: %d bytes, err=%v; proxy log %q; server log %q", res.n, res.err, proxyLog, serverLog)
		if !errors.Is(res.err, io.ErrUnexpectedEOF) {
			t.Errorf("client: got %d bytes, err=%v; want unexpected EOF", res.n, res.err)
		}
		if strings.Contains(proxyLog, "suppressing panic") || !strings.Contains(proxyLog, "read error during body copy") {
			t.Errorf("proxy log %q: want the read error and no suppressed panic", proxyLog)
		}
	})
}

// TestDetachedCancel measures whether a client that goes away cancels the
// upstream request, for each context given to the proxy. A context whose
// Done channel is nil (Background, WithoutCancel, WithValue of those)
// makes ReverseProxy fall back on CloseNotify, so the upstream is still
// canceled; a detached context with a deadline has a Done channel and
// loses the client's cancellation.
func TestDetachedCancel(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ctx     func(*http.Request) context.Context
		cancels bool
	}{
		{"r.Context()", requestCtx, true},
		{"context.Background()", background, true},
		{"context.WithoutCancel(r.Context())", withoutCanc, true},
		{"context.WithTimeout(context.Background(), 5s)", detachedDeadline, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			canceled := make(chan time.Duration, 1)
			g := newRig(t, waiting(canceled), withContext(tc.ctx), nil)
			leave(t, g.front.URL)
			d := <-canceled
			t.Logf("upstream canceled after %v (-1: not within 1s)", d)
			if got := d >= 0; got != tc.cancels {
				t.Errorf("upstream canceled: %v, want %v", got, tc.cancels)
			}
		})
	}
	// A streaming handler that is not a proxy has no such fallback: with
	// a detached context it never learns that the client went away.
	for _, tc := range []struct {
		name    string
		ctx     func(*http.Request) context.Context
		cancels bool
	}{
		{"r.Context()", requestCtx, true},
		{"context.Background()", background, false},
		{"context.WithoutCancel(r.Context())", withoutCanc, false},
	} {
		t.Run("stream/"+tc.name, func(t *testing.T) {
			canceled := make(chan time.Duration, 1)
			stream := waiting(canceled)
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				stream.ServeHTTP(w, r.WithContext(tc.ctx(r)))
			}))
			defer front.Close()
			leave(t, front.URL)
			d := <-canceled
			t.Logf("stream canceled after %v (-1: not within 1s)", d)
			if got := d >= 0; got != tc.cancels {
				t.Errorf("stream canceled: %v, want %v", got, tc.cancels)
			}
		})
	}
}

// detachedDeadline is a detached context with a deadline.
func detachedDeadline(*http.Request) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	time.AfterFunc(5*time.Second, cancel)
	return ctx
}

// waiting sends one chunk, then waits for its request to be canceled, up
// to a second, and reports how long that took (-1: not canceled).
func waiting(canceled chan<- time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), chunk))
		http.NewResponseController(w).Flush()
		start := time.Now()
		select {
		case <-r.Context().Done():
			canceled <- time.Since(start)
		case <-time.After(time.Second):
			canceled <- -1
		}
	}
}

// leave reads the first chunk from url and goes away mid-stream.
func leave(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadFull(resp.Body, make([]byte, chunk))
	resp.Body.Close()
}

// inGoroutine serves the proxy from another goroutine and waits for it:
// a panic there is not recovered by net/http. fixed serves it from the
// handler's goroutine.
func inGoroutine(fixed bool) func(p *httputil.ReverseProxy) http.Handler {
	return func(p *httputil.ReverseProxy) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if fixed {
				p.ServeHTTP(w, r)
				return
			}
			done := make(chan struct{})
			//streamvet:ignore the anti-pattern whose cost this test measures
			go func() {
				defer close(done)
				p.ServeHTTP(w, r)
			}()
			<-done
		})
	}
}

const childEnv = "STREAMVET_BEHAVIOUR_CHILD"

// (d) A ReverseProxy served from a goroutine: the abort panic is not
// recovered and kills the process. The case runs in a child process.
func TestProxyInGoroutine(t *testing.T) {
	const n = 5
	if os.Getenv(childEnv) == "1" {
		g := newRig(t, dying(n), inGoroutine(false), nil)
		g.get(t)
		time.Sleep(time.Second) // the panic ends the process before this
		os.Exit(0)
	}
	t.Run("anti-pattern", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestProxyInGoroutine$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Stdout = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		first, _, _ := strings.Cut(stderr.String(), "\n\n")
		t.Logf("child: %v; output starts %q", err, first)
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("child: %v, want a non-zero exit", err)
		}
		if !strings.Contains(stderr.String(), "panic") || !strings.Contains(stderr.String(), "net/http: abort Handler") {
			t.Errorf("child output lacks the abort panic:\n%s", stderr.String())
		}
	})
	t.Run("fixed", func(t *testing.T) {
		g := newRig(t, dying(n), inGoroutine(true), nil)
		res := g.get(t)
		proxyLog, serverLog := g.logs()
		t.Logf("client: %d bytes, err=%v; proxy log %q; server log %q", res.n, res.err, proxyLog, serverLog)
		if !errors.Is(res.err, io.ErrUnexpectedEOF) {
			t.Errorf("client: got %d bytes, err=%v; want unexpected EOF", res.n, res.err)
		}
	})
}

func timeout(d time.Duration) func(p *httputil.ReverseProxy) http.Handler {
	return func(p *httputil.ReverseProxy) http.Handler {
		//streamvet:ignore the anti-pattern whose cost this test measures
		return http.TimeoutHandler(p, d, "timed out")
	}
}

// (e) http.TimeoutHandler around a stream: it buffers the response, so
// the client gets nothing until the handler ends or the deadline passes;
// at the deadline the stream is replaced by a 503.
func TestTimeoutHandler(t *testing.T) {
	t.Run("anti-pattern/longer", func(t *testing.T) {
		const n = 20 // a healthy 1s stream behind a 300ms TimeoutHandler
		g := newRig(t, slow(n, 50*time.Millisecond), timeout(300*time.Millisecond), nil)
		res := g.get(t)
		proxyLog, serverLog := g.logs()
		t.Logf("client: status %d, %d bytes, err=%v, first byte after %v; proxy log %q; server log %q", res.status, res.n, res.err, res.first.Round(10*time.Millisecond), proxyLog, serverLog)
		if res.status != http.StatusServiceUnavailable || res.n != len("timed out") || res.first < 300*time.Millisecond {
			t.Errorf("client: status %d, %d bytes after %v; want a 503 with only the timeout message, after the deadline", res.status, res.n, res.first)
		}
	})
	t.Run("anti-pattern/shorter", func(t *testing.T) {
		const n = 5 // a 250ms stream behind a 1s TimeoutHandler
		g := newRig(t, slow(n, 50*time.Millisecond), timeout(time.Second), nil)
		res := g.get(t)
		proxyLog, serverLog := g.logs()
		t.Logf("client: status %d, %d bytes, err=%v, first byte after %v; proxy log %q; server log %q", res.status, res.n, res.err, res.first.Round(10*time.Millisecond), proxyLog, serverLog)
		if res.status != http.StatusOK || res.n != n*chunk || res.first < 200*time.Millisecond {
			t.Errorf("client: status %d, %d bytes, first after %v; want the whole body, only once the stream has ended", res.status, res.n, res.first)
		}
	})
	t.Run("anti-pattern/flush-hijack", func(t *testing.T) {
		errs := make(chan error, 2)
		front := httptest.NewServer(http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			errs <- rc.Flush()
			_, _, err := rc.Hijack()
			errs <- err
		}), time.Second, "timed out"))
		defer front.Close()
		resp, err := http.Get(front.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		flushErr, hijackErr := <-errs, <-errs
		t.Logf("Flush: %v; Hijack: %v", flushErr, hijackErr)
		if !errors.Is(flushErr, http.ErrNotSupported) || !errors.Is(hijackErr, http.ErrNotSupported) {
			t.Errorf("Flush: %v, Hijack: %v; want http.ErrNotSupported from both", flushErr, hijackErr)
		}
	})
	t.Run("fixed", func(t *testing.T) {
		const n = 20
		g := newRig(t, slow(n, 50*time.Millisecond), proxyAsIs, nil)
		res := g.get(t)
		proxyLog, serverLog := g.logs()
		t.Logf("client: status %d, %d bytes, err=%v, first byte after %v; proxy log %q; server log %q", res.status, res.n, res.err, res.first.Round(10*time.Millisecond), proxyLog, serverLog)
		if res.status != http.StatusOK || res.err != nil || res.n != n*chunk || res.first > 500*time.Millisecond {
			t.Errorf("client: status %d, %d bytes, err=%v, first after %v; want the whole body, the first bytes at once", res.status, res.n, res.err, res.first)
		}
	})
}
