package proxy_test

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/policy"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/proxy"
)

// daemon is a small HTTP server on a unix socket that records the headers
// it receives and echoes upgraded connections, as dockerd's attach does.
type daemon struct {
	mu      sync.Mutex
	headers []http.Header
}

func (d *daemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	d.headers = append(d.headers, r.Header.Clone())
	d.mu.Unlock()
	if r.Header.Get("Upgrade") == "tcp" {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
		brw.Flush()
		// Echo until the client half-closes, then half-close back.
		io.Copy(conn, brw)
		conn.(interface{ CloseWrite() error }).CloseWrite() // unix or TLS
		return
	}
	w.Write([]byte("OK"))
}

func (d *daemon) seen() []http.Header {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.headers
}

func start(t *testing.T, opt proxy.Options) (*daemon, *httptest.Server) {
	t.Helper()
	ln, sock := listenUnix(t)
	d := &daemon{}
	srv := &http.Server{Handler: d}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return d, serveProxy(t, "unix://"+sock, nil, opt)
}

// serveProxy serves a proxy to upstream with opt, default limits and,
// unless opt has one, a logger that discards.
func serveProxy(t *testing.T, upstream string, tlsConfig *tls.Config, opt proxy.Options) *httptest.Server {
	t.Helper()
	up, err := proxy.ParseUpstream(upstream, tlsConfig)
	if err != nil {
		t.Fatal(err)
	}
	opt.Upstream = up
	opt.Limits = proxy.DefaultLimits
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ts := httptest.NewServer(proxy.New(opt))
	t.Cleanup(ts.Close)
	return ts
}

func do(t *testing.T, method, url string, h map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range h {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func message(t *testing.T, body string) string {
	t.Helper()
	var m struct{ Message string }
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body %q is not a Docker JSON error: %v", body, err)
	}
	return m.Message
}

func TestTokenIsCheckedAndNotForwarded(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	d, ts := start(t, proxy.Options{Token: token})
	code, body := do(t, "GET", ts.URL+"/v1.41/info", map[string]string{"Authorization": "Bearer nope"})
	if code != 401 || !strings.Contains(message(t, body), "bearer token") {
		t.Errorf("wrong token: %d %s", code, body)
	}
	if code, _ := do(t, "GET", ts.URL+"/v1.41/info", nil); code != 401 {
		t.Errorf("no token: %d", code)
	}
	if n := len(d.seen()); n != 0 {
		t.Fatalf("%d requests reached the daemon without the right token", n)
	}
	code, _ = do(t, "GET", ts.URL+"/v1.41/info", map[string]string{"Authorization": "Bearer " + token, "X-Registry-Auth": "e30"})
	if code != 200 {
		t.Fatalf("right token: %d", code)
	}
	h := d.seen()[0]
	if h.Get("Authorization") != "" {
		t.Errorf("the proxy's token reached the daemon")
	}
	if h.Get("X-Registry-Auth") != "e30" {
		t.Errorf("X-Registry-Auth was not forwarded")
	}
}

func TestPolicyAndPaths(t *testing.T) {
	ro, _ := policy.Parse("read-only", nil)
	d, ts := start(t, proxy.Options{Policy: ro})
	code, body := do(t, "POST", ts.URL+"/v1.41/containers/create", nil)
	if code != 403 || message(t, body) != "dockerproxy: POST /containers/create is not allowed by policy read-only" {
		t.Errorf("denied: %d %s", code, body)
	}
	// Go's client would clean the path; send it raw.
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET /v1.41/containers/x/../../secrets HTTP/1.1\r\nHost: x\r\n\r\n"))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 400 {
		t.Errorf("unclean path: %s", res.Status)
	}
	if n := len(d.seen()); n != 0 {
		t.Errorf("%d denied requests reached the daemon", n)
	}
	if code, _ := do(t, "GET", ts.URL+"/v1.41/containers/json", nil); code != 200 {
		t.Errorf("allowed GET: %d", code)
	}
}

// TestUpgradeHalfClose: an upgraded connection carries bytes both ways and
// forwards the client's half-close to the daemon and back.
func TestUpgradeHalfClose(t *testing.T) {
	_, ts := start(t, proxy.Options{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	conn.Write([]byte("POST /v1.41/containers/x/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"))
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 101 {
		t.Fatalf("status %s", res.Status)
	}
	conn.Write([]byte("hello"))
	conn.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(br)
	if err != nil || string(got) != "hello" {
		t.Fatalf("echo after half-close: %q, %v", got, err)
	}
}

func TestUpstreamDownIsJSON502(t *testing.T) {
	ts := serveProxy(t, "unix:///nonexistent/docker.sock", nil, proxy.Options{})
	code, body := do(t, "GET", ts.URL+"/_ping", nil)
	if code != 502 || !strings.Contains(message(t, body), "cannot reach the Docker daemon") {
		t.Errorf("%d %s", code, body)
	}
}

// TestClientLeavingIdleStreamIsInfo: a client that leaves docker events
// ends it the normal way (INFO); one that leaves a pull cuts it (WARN).
func TestClientLeavingIdleStreamIsInfo(t *testing.T) {
	ln, sock := listenUnix(t)
	daemonSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"status":"start"}`+"\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})}
	go daemonSrv.Serve(ln)
	t.Cleanup(func() { daemonSrv.Close() })
	var logs syncBuffer
	ts := serveProxy(t, "unix://"+sock, nil, proxy.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	leave := func(method, path string) {
		req, _ := http.NewRequest(method, ts.URL+path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(res.Body).ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	leave("GET", "/v1.41/events")
	leave("POST", "/v1.41/images/create?fromImage=busybox")
	var lines []string
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		lines = nil
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "request aborted") {
				lines = append(lines, l)
			}
		}
		if len(lines) == 2 {
			break
		}
	}
	if len(lines) != 2 {
		t.Fatalf("want two abort records, got:\n%s", logs.String())
	}
	for _, l := range lines {
		want := "level=WARN"
		if strings.Contains(l, "class=idle") {
			want = "level=INFO"
		}
		if !strings.Contains(l, want) || !strings.Contains(l, "reason=client_gone") {
			t.Errorf("record %q: want %s and reason=client_gone", l, want)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFullDuplexUpload: a daemon that answers while the client is still
// uploading (progress while it reads, as a streaming load or build does)
// receives every byte. Without full duplex, net/http's server discards up
// to 256 KiB of the unread request body when the response starts.
func TestFullDuplexUpload(t *testing.T) {
	ln, sock := listenUnix(t)
	daemonSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).EnableFullDuplex(); err != nil {
			t.Error(err)
		}
		h := sha256.New()
		buf := make([]byte, 64<<10)
		var n int64
		for {
			m, err := r.Body.Read(buf)
			h.Write(buf[:m])
			n += int64(m)
			if m > 0 {
				fmt.Fprintf(w, "{\"progress\":%d}\n", n)
				w.(http.Flusher).Flush()
			}
			if err != nil {
				break
			}
		}
		fmt.Fprintf(w, "{\"bytes\":%d,\"sha256\":%q}\n", n, hex.EncodeToString(h.Sum(nil)))
	})}
	go daemonSrv.Serve(ln)
	t.Cleanup(func() { daemonSrv.Close() })
	url := proxyTo(t, sock)

	data := make([]byte, 8<<20)
	rand.Read(data)
	sum := sha256.Sum256(data)
	// Chunked, and slow enough that the daemon answers before the end.
	pr, pw := io.Pipe()
	go func() {
		for off := 0; off < len(data); off += 256 << 10 {
			if _, err := pw.Write(data[off : off+256<<10]); err != nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		pw.Close()
	}()
	res, err := http.Post(url+"/v1.41/images/load", "application/x-tar", pr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var last string
	progress := 0
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		last = sc.Text()
		if strings.Contains(last, "progress") {
			progress++
		}
	}
	want := fmt.Sprintf("{\"bytes\":%d,\"sha256\":%q}", len(data), hex.EncodeToString(sum[:]))
	if last != want {
		t.Fatalf("daemon received %s, want %s", last, want)
	}
	if progress < 2 {
		t.Errorf("%d progress lines: the daemon did not answer while the upload ran", progress)
	}
}
