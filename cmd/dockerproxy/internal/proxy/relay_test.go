package proxy_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/metrics"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/proxy"
	"github.com/streamvet/streamvet/runtime/streamsafe"
)

// relayEnv is a proxy, as the program serves it, in front of a
// daemon-like server on a unix socket.
type relayEnv struct {
	url    string
	addr   string
	client *http.Client
	h      *proxy.Handler
	m      *metrics.Metrics
	logs   *syncBuffer
}

func startRelayEnv(t *testing.T, daemon http.Handler, limits proxy.Limits, withTLS bool) *relayEnv {
	t.Helper()
	ln, sock := listenUnix(t)
	stop := make(chan struct{})
	d := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		go func() {
			select {
			case <-stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		daemon.ServeHTTP(w, r.WithContext(ctx))
	})}
	go d.Serve(ln)
	t.Cleanup(func() { d.Close() })
	up, err := proxy.ParseUpstream("unix://"+sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &relayEnv{m: metrics.New(), logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e.h = proxy.New(proxy.Options{Upstream: up, Limits: limits, Logger: log, Metrics: e.m})
	ts := httptest.NewUnstartedServer(streamsafe.Recover(e.h, log))
	if withTLS {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	// Runs before ts.Close, which waits for handlers: a test that failed
	// must not leave a stream blocking it.
	t.Cleanup(func() { close(stop) })
	e.url, e.addr, e.client = ts.URL, ts.Listener.Addr().String(), ts.Client()
	return e
}

// metric returns the value of the exposition line that starts with name,
// or -1.
func (e *relayEnv) metric(t *testing.T, name string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	e.m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, l := range strings.Split(rec.Body.String(), "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return -1
}

// waitLog waits for a record with every part and returns it.
func (e *relayEnv) waitLog(t *testing.T, parts ...string) string {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		for _, l := range strings.Split(e.logs.String(), "\n") {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(l, p)
			}
			if ok {
				return l
			}
		}
	}
	t.Fatalf("no record with %q:\n%s", parts, e.logs.String())
	return ""
}

func waitUntil(t *testing.T, what string, f func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if f() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

var relayLimits = proxy.Limits{Short: time.Minute, Progress: time.Minute, Bulk: time.Minute, Idle: time.Minute}

// TestRelayedEvents: an events stream delivers every event as it comes,
// over HTTP and TLS, with the daemon's headers and "Connection: close";
// it counts as an active idle stream while open; a client that leaves
// ends it at once at the daemon, with one INFO record naming
// client_gone, and it is counted as a finished request, not an abort.
func TestRelayedEvents(t *testing.T) {
	for _, withTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", withTLS), func(t *testing.T) {
			next := make(chan string)
			cancelled := make(chan struct{})
			e := startRelayEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-Daemon", "yes")
				w.WriteHeader(200)
				w.(http.Flusher).Flush()
				for {
					select {
					case ev := <-next:
						io.WriteString(w, ev)
						w.(http.Flusher).Flush()
					case <-r.Context().Done():
						close(cancelled)
						return
					}
				}
			}), relayLimits, withTLS)
			res, err := e.client.Get(e.url + "/v1.41/events")
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 200 || res.Header.Get("X-Daemon") != "yes" || res.Header.Get("Content-Type") != "application/json" || !res.Close {
				t.Errorf("status %s, headers %v, close %v", res.Status, res.Header, res.Close)
			}
			br := bufio.NewReader(res.Body)
			for i := range 3 {
				ev := fmt.Sprintf(`{"status":"tag","n":%d}`+"\n", i)
				next <- ev
				line, err := br.ReadString('\n')
				if line != ev || err != nil {
					t.Fatalf("event %d: %q, %v", i, line, err)
				}
				time.Sleep(50 * time.Millisecond) // a silence between events
			}
			if n := e.h.InFlight(); n != 1 {
				t.Errorf("in flight: %d, want 1", n)
			}
			if v := e.metric(t, `dockerproxy_active_streams{class="idle"}`); v != 1 {
				t.Errorf("active idle streams: %v, want 1", v)
			}
			res.Body.Close()
			select {
			case <-cancelled:
			case <-time.After(2 * time.Second):
				t.Fatal("the daemon's request was not cancelled after the client left")
			}
			rec := e.waitLog(t, "request aborted")
			for _, want := range []string{"level=INFO", "reason=client_gone", "class=idle", "path=/v1.41/events", "status=200", "bytes_out="} {
				if !strings.Contains(rec, want) {
					t.Errorf("record %q lacks %s", rec, want)
				}
			}
			waitUntil(t, "the stream to end", func() bool { return e.h.InFlight() == 0 })
			if v := e.metric(t, `dockerproxy_active_streams{class="idle"}`); v != 0 {
				t.Errorf("active idle streams after the end: %v", v)
			}
			if v := e.metric(t, `dockerproxy_requests_total{class="idle",code="200"}`); v != 1 {
				t.Errorf("requests_total{idle,200} = %v, want 1", v)
			}
			if v := e.metric(t, `dockerproxy_aborts_total{cause="client_gone"}`); v != -1 {
				t.Errorf("aborts_total{client_gone} = %v, want none", v)
			}
			if n := strings.Count(e.logs.String(), "request aborted"); n != 1 {
				t.Errorf("%d abort records, want 1:\n%s", n, e.logs.String())
			}
		})
	}
}

// TestRelayedWaitAndLogs: a stream that ends (docker wait, logs --follow
// of a container that exits) arrives whole and ends cleanly, over HTTP
// and TLS: a short answer, and megabytes in bursts.
func TestRelayedWaitAndLogs(t *testing.T) {
	big := make([]byte, 3<<20)
	rand.Read(big)
	e := func(withTLS bool) *relayEnv {
		return startRelayEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond) // the container runs
			if strings.HasSuffix(r.URL.Path, "/wait") {
				io.WriteString(w, `{"StatusCode":3}`+"\n")
				return
			}
			for off := 0; off < len(big); off += 100_000 {
				w.Write(big[off:min(off+100_000, len(big))])
				if off%300_000 == 0 {
					w.(http.Flusher).Flush()
				}
			}
		}), relayLimits, withTLS)
	}
	for _, withTLS := range []bool{false, true} {
		env := e(withTLS)
		res, err := env.client.Post(env.url+"/v1.41/containers/c1/wait?condition=next-exit", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || string(b) != `{"StatusCode":3}`+"\n" {
			t.Errorf("tls=%v: wait: %q, %v", withTLS, b, err)
		}
		res, err = env.client.Get(env.url + "/v1.41/containers/c1/logs?follow=1&stdout=1")
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(h, res.Body)
		res.Body.Close()
		if err != nil || n != int64(len(big)) || !bytes.Equal(h.Sum(nil), sha(big)) {
			t.Errorf("tls=%v: logs: %d of %d bytes, %v", withTLS, n, len(big), err)
		}
		waitUntil(t, "both streams to end", func() bool { return env.h.InFlight() == 0 })
		if v := env.metric(t, `dockerproxy_requests_total{class="idle",code="200"}`); v != 2 {
			t.Errorf("tls=%v: requests_total{idle,200} = %v, want 2", withTLS, v)
		}
		if v := env.metric(t, `dockerproxy_body_bytes_total{direction="out"}`); v != float64(len(big)+17) {
			t.Errorf("tls=%v: body bytes out = %v, want %d", withTLS, v, len(big)+17)
		}
		if s := env.logs.String(); strings.Contains(s, "request aborted") {
			t.Errorf("tls=%v: streams that ended were aborted:\n%s", withTLS, s)
		}
	}
}

func sha(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

// TestRelayedDaemonDies: when the daemon's connection ends mid-stream the
// client sees an error, not a clean end, and the cause is logged.
func TestRelayedDaemonDies(t *testing.T) {
	e := startRelayEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello\n\r\n")
		brw.Flush()
		time.Sleep(100 * time.Millisecond)
		conn.Close() // dockerd killed
	}), relayLimits, false)
	res, err := e.client.Get(e.url + "/v1.41/events")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "hello\n" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("client read %q, %v; want hello and unexpected EOF", b, err)
	}
	rec := e.waitLog(t, "request aborted")
	if !strings.Contains(rec, "level=ERROR") || !strings.Contains(rec, "reason=upstream") || !strings.Contains(rec, "unexpected EOF") {
		t.Errorf("record %q: want ERROR, reason=upstream and the daemon's unexpected EOF", rec)
	}
	waitUntil(t, "the stream to end", func() bool { return e.h.InFlight() == 0 })
	if v := e.metric(t, `dockerproxy_aborts_total{cause="upstream"}`); v != 1 {
		t.Errorf("aborts_total{upstream} = %v, want 1", v)
	}
}

// TestRelayedStalledClientCut: a client that stops reading a log follow
// is cut after the idle limit, with the stalled write named, and it then
// reads an error, not a clean end.
func TestRelayedStalledClientCut(t *testing.T) {
	const limit = time.Second
	chunk := bytes.Repeat([]byte("log line\n"), 8000)
	e := startRelayEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}), proxy.Limits{Short: time.Minute, Idle: limit}, false)
	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /v1.41/containers/c1/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: docker\r\n\r\n")
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("%v %v", res, err)
	}
	if _, err := io.ReadFull(res.Body, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	stalled := time.Now()
	rec := e.waitLog(t, "request aborted", "reason=idle")
	if !strings.Contains(rec, "response write made no progress for 1s") || !strings.Contains(rec, "level=ERROR") {
		t.Errorf("record %q: want the stalled write named, at ERROR", rec)
	}
	if d := time.Since(stalled); d < limit/2 {
		t.Errorf("cut %v after the client stopped reading, before the %v limit", d, limit)
	}
	if _, err := io.Copy(io.Discard, res.Body); err == nil {
		t.Error("the cut client read a clean end")
	}
	waitUntil(t, "the stream to end", func() bool { return e.h.InFlight() == 0 })
}

// TestRelayedShutdown: cutting idle streams at shutdown ends relayed ones
// with reason=stopped; the client sees an error.
func TestRelayedShutdown(t *testing.T) {
	for _, withTLS := range []bool{false, true} {
		e := startRelayEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}), relayLimits, withTLS)
		res, err := e.client.Post(e.url+"/v1.41/containers/c1/wait", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if n := e.h.CancelIdle(proxy.ErrShutdown); n != 1 {
			t.Errorf("tls=%v: CancelIdle cut %d streams, want 1", withTLS, n)
		}
		if _, err := io.ReadAll(res.Body); err == nil {
			t.Errorf("tls=%v: the cut stream ended cleanly", withTLS)
		}
		res.Body.Close()
		rec := e.waitLog(t, "request aborted")
		for _, want := range []string{"level=WARN", "reason=stopped", "shutting down", "path=/v1.41/containers/c1/wait", "method=POST"} {
			if !strings.Contains(rec, want) {
				t.Errorf("tls=%v: record %q lacks %s", withTLS, rec, want)
			}
		}
		waitUntil(t, "the stream to end", func() bool { return e.h.InFlight() == 0 })
	}
}

// TestRelayedClientSendsJunk: bytes a client sends on a stream are
// discarded; a client that keeps sending is cut.
func TestRelayedClientSendsJunk(t *testing.T) {
	e := startRelayEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}), relayLimits, false)
	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /v1.41/events HTTP/1.1\r\nHost: docker\r\n\r\n")
	if _, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil {
		t.Fatal(err)
	}
	conn.Write(make([]byte, 1000))
	time.Sleep(100 * time.Millisecond)
	if n := e.h.InFlight(); n != 1 {
		t.Fatalf("a kilobyte of junk ended the stream")
	}
	junk := make([]byte, 32<<10)
	for i := 0; i < 4; i++ {
		if _, err := conn.Write(junk); err != nil {
			break
		}
	}
	rec := e.waitLog(t, "request aborted")
	if !strings.Contains(rec, "reason=read") {
		t.Errorf("record %q: want reason=read", rec)
	}
	waitUntil(t, "the stream to end", func() bool { return e.h.InFlight() == 0 })
}

// TestRelayedStreamLimit: a relayed stream holds its place under the
// stream limit until it ends.
func TestRelayedStreamLimit(t *testing.T) {
	ln, sock := listenUnix(t)
	d := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})}
	go d.Serve(ln)
	t.Cleanup(func() { d.Close() })
	ts := serveProxy(t, "unix://"+sock, nil, proxy.Options{MaxStreams: 1})
	first, err := http.Get(ts.URL + "/v1.41/events")
	if err != nil {
		t.Fatal(err)
	}
	second, err := http.Get(ts.URL + "/v1.41/events")
	if err != nil {
		t.Fatal(err)
	}
	second.Body.Close()
	if second.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("second stream: %s, want 503", second.Status)
	}
	first.Body.Close()
	waitUntil(t, "a place under the limit", func() bool {
		res, err := http.Get(ts.URL + "/v1.41/events")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
}
