package proxy_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/proxy"
)

// countingListener counts the connections the daemon accepted.
type countingListener struct {
	net.Listener
	accepted atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// startDaemon serves h on a unix socket and returns a proxy in front of it.
func startDaemon(t *testing.T, h http.Handler) (*countingListener, *http.Server, string) {
	t.Helper()
	ln, sock := listenUnix(t)
	cl := &countingListener{Listener: ln}
	srv := &http.Server{Handler: h}
	go srv.Serve(cl)
	t.Cleanup(func() { srv.Close() })
	return cl, srv, proxyTo(t, sock)
}

func listenUnix(t *testing.T) (net.Listener, string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "d.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, sock
}

// proxyTo returns the URL of a proxy to the daemon socket.
func proxyTo(t *testing.T, sock string) string {
	t.Helper()
	return serveProxy(t, "unix://"+sock, nil, proxy.Options{}).URL
}

func get(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// TestShortRequestsShareOneConnection: GET and HEAD responses, read to the
// end, give their daemon connection back for the next request.
func TestShortRequestsShareOneConnection(t *testing.T) {
	cl, _, url := startDaemon(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		if strings.HasSuffix(r.URL.Path, "/containers/json") {
			io.WriteString(w, `[{"Id":"abc"}]`)
			return
		}
		w.Header().Set("Content-Length", "2")
		io.WriteString(w, "OK")
	}))
	for i := range 20 {
		method := []string{"GET", "HEAD"}[i%2]
		res, body := get(t, method, url+"/_ping")
		want := map[string]string{"GET": "OK", "HEAD": ""}[method]
		if res.StatusCode != 200 || body != want || res.Header.Get("Api-Version") != "1.41" {
			t.Fatalf("%s /_ping: %s %q %v", method, res.Status, body, res.Header)
		}
		if method == "HEAD" && res.ContentLength != 2 {
			t.Fatalf("HEAD lost the daemon's Content-Length: %d", res.ContentLength)
		}
	}
	if _, body := get(t, "GET", url+"/v1.41/containers/json"); body != `[{"Id":"abc"}]` {
		t.Fatalf("list: %q", body)
	}
	if n := cl.accepted.Load(); n != 1 {
		t.Errorf("the daemon accepted %d connections for 21 sequential requests, want 1", n)
	}
}

// TestClosedPooledConnectionIsRetried: when the daemon closed a pooled
// connection (restart, idle timeout), the next request still succeeds.
func TestClosedPooledConnectionIsRetried(t *testing.T) {
	cl, srv, url := startDaemon(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "OK")
	}))
	if _, body := get(t, "GET", url+"/_ping"); body != "OK" {
		t.Fatal(body)
	}
	// Disabling keep-alives closes the daemon's idle connections; the
	// proxy still holds its end in the pool.
	srv.SetKeepAlivesEnabled(false)
	srv.SetKeepAlivesEnabled(true)
	time.Sleep(50 * time.Millisecond) // let the FIN arrive
	for range 3 {
		if res, body := get(t, "GET", url+"/_ping"); res.StatusCode != 200 || body != "OK" {
			t.Fatalf("after the daemon closed the pooled connection: %s %q", res.Status, body)
		}
	}
	if n := cl.accepted.Load(); n != 2 {
		t.Errorf("daemon accepted %d connections, want 2 (one redial)", n)
	}
}

// TestConnectionCloseIsHonoured: after a response with Connection: close
// the proxy sends nothing more on that connection, even when the daemon
// leaves it open.
func TestConnectionCloseIsHonoured(t *testing.T) {
	ln, sock := listenUnix(t)
	var conns, reused atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for n := 0; ; n++ {
					if _, err := http.ReadRequest(br); err != nil {
						return
					}
					if n > 0 {
						reused.Add(1)
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye")
				}
			}()
		}
	}()
	url := proxyTo(t, sock)
	for range 3 {
		if _, body := get(t, "GET", url+"/info"); body != "bye" {
			t.Fatal(body)
		}
	}
	if n := reused.Load(); n != 0 {
		t.Errorf("%d requests were sent on a connection the daemon marked close", n)
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("daemon accepted %d connections, want 3", n)
	}
}

// TestGoneClientCancelsStream: a client that leaves a GET stream (events,
// logs --follow) ends the daemon's request at once, and that connection is
// not reused.
func TestGoneClientCancelsStream(t *testing.T) {
	cancelled := make(chan time.Time, 1)
	testDone := make(chan struct{})
	cl, _, url := startDaemon(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/events") {
			io.WriteString(w, "OK")
			return
		}
		io.WriteString(w, `{"status":"start"}`+"\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			cancelled <- time.Now()
		case <-testDone: // failed: let the servers close
		}
	}))
	t.Cleanup(func() { close(testDone) })
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/v1.41/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil || !strings.Contains(line, "start") {
		t.Fatalf("first event: %q, %v", line, err)
	}
	left := time.Now()
	cancel()
	res.Body.Close()
	select {
	case at := <-cancelled:
		if d := at.Sub(left); d > time.Second {
			t.Errorf("the daemon saw the client leave after %v, want < 1s", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the daemon's request was not cancelled after the client left")
	}
	if _, body := get(t, "GET", url+"/_ping"); body != "OK" {
		t.Fatal(body)
	}
	if n := cl.accepted.Load(); n != 2 {
		t.Errorf("daemon accepted %d connections, want 2 (the cut stream's is not reused)", n)
	}
}

// TestRequestsWithBodyBypassInlinePath: a request body reaches the daemon
// through http.Transport.
func TestRequestsWithBodyBypassInlinePath(t *testing.T) {
	var got atomic.Value
	_, _, url := startDaemon(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(r.Method + " " + string(b))
		io.WriteString(w, "OK")
	}))
	res, err := http.Post(url+"/v1.41/images/load", "application/x-tar", strings.NewReader("tar bytes"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if g := got.Load(); g != "POST tar bytes" {
		t.Errorf("daemon got %q", g)
	}
}

// Response headers and event lines longer than the inline path's reader
// (a container with many labels) arrive whole, on short and idle streams.
func TestLongHeadersAndEventsInline(t *testing.T) {
	label := strings.Repeat("l", 8<<10)
	event := `{"Type":"container","Actor":{"Attributes":{"label":"` + label + `"}}}` + "\n"
	_, _, base := startDaemon(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Long", label)
		io.WriteString(w, event)
	}))
	for _, path := range []string{"/v1.41/info", "/v1.41/events"} {
		res, body := get(t, http.MethodGet, base+path)
		if res.StatusCode != http.StatusOK || res.Header.Get("X-Long") != label || body != event {
			t.Errorf("%s: %s, header of %d bytes, body of %d bytes", path, res.Status, len(res.Header.Get("X-Long")), len(body))
		}
	}
}
