package streamsafe_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamvet/streamvet/runtime/streamsafe"
)

// upstream starts h on 127.0.0.1 and returns its URL.
func upstream(t *testing.T, h http.HandlerFunc) *url.URL {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// dying sends the start of a Docker-style JSON progress stream and then
// drops the connection, like a daemon that crashed mid-push.
func dying(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"status":"Pushing","progressDetail":{"current":1}}`+"\n")
	http.NewResponseController(w).Flush()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

var secretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "X-Registry-Auth", "X-Registry-Config"}

// An upstream that dies mid-stream gives the client an error, never a clean
// end, and the log names the upstream error — once, without credentials.
func TestProxyUpstreamDies(t *testing.T) {
	checkLeaks(t)
	target := upstream(t, dying)
	tests := []struct {
		proto   string
		wrapped bool
	}{{"HTTP/1.1", true}, {"HTTP/1.1", false}, {"HTTP/2", true}}
	for _, tt := range tests {
		wrapped := tt.wrapped
		t.Run(fmt.Sprintf("%s/Handler=%v", tt.proto, wrapped), func(t *testing.T) {
			var l logs
			d := newDone()
			var h http.Handler = streamsafe.NewReverseProxy(target, l.logger())
			if wrapped {
				h = streamsafe.Handler(h, streamsafe.Logger(l.logger()), d.option())
			}
			srv, client := serve(t, tt.proto, h, nil)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1.41/images/big/push", nil)
			for _, h := range secretHeaders {
				req.Header.Set(h, "secret-"+h)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			line, err := bufio.NewReader(resp.Body).ReadString('\n')
			if !strings.Contains(line, "Pushing") {
				t.Fatalf("first line %q, %v", line, err)
			}
			_, err = io.ReadAll(resp.Body)
			if err == nil || tt.proto == "HTTP/1.1" && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("client error %v, want unexpected EOF or a stream reset", err)
			}
			if wrapped {
				rec := d.wait(t)
				if !errors.Is(rec.Cause, streamsafe.ErrUpstream) || !rec.Aborted || rec.Status != 200 {
					t.Errorf("record %+v", rec)
				}
			}
			m := waitLog(t, &l)
			if strings.Contains(l.String(), "secret-") {
				t.Errorf("credentials logged:\n%s", l.String())
			}
			if m["reason"] != "upstream" || m["path"] != "/v1.41/images/big/push" ||
				!strings.Contains(m["cause"].(string), "unexpected EOF") {
				t.Errorf("log record %v", m)
			}
		})
	}
}

// waitLog waits for the one record logged from the server's goroutine.
func waitLog(t *testing.T, l *logs) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); l.String() == "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	return l.only(t)
}

// An upstream that cannot be reached gets a 502 and one record; the response
// itself is complete, so it is not aborted.
func TestProxyBadGateway(t *testing.T) {
	checkLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := &url.URL{Scheme: "http", Host: ln.Addr().String()}
	ln.Close() // nothing listens there now

	var l logs
	d := newDone()
	h := streamsafe.Handler(streamsafe.NewReverseProxy(target, l.logger()), streamsafe.Logger(l.logger()), d.option())
	srv, client := serve(t, "HTTP/1.1", h, nil)
	resp, err := client.Get(srv.URL + "/_ping")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d, want 502", resp.StatusCode)
	}
	rec := d.wait(t)
	if !errors.Is(rec.Cause, streamsafe.ErrUpstream) || rec.Aborted || rec.Status != 502 {
		t.Errorf("record %+v", rec)
	}
	if m := l.only(t); m["msg"] != "request failed" || m["reason"] != "upstream" || m["status"] != 502.0 {
		t.Errorf("log record %v", m)
	}
}

// A unix socket upstream, as for the Docker daemon, carries requests and
// bodies both ways, with forwarding headers set.
func TestProxyUnixSocket(t *testing.T) {
	checkLeaks(t)
	dir, err := os.MkdirTemp("", "ss")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "docker.sock") // short: socket paths are limited to ~100 bytes
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%s %s %d %s", r.Method, r.URL.Path, n, r.Header.Get("X-Forwarded-For"))
	}))
	up.Listener = ln
	up.Start()
	t.Cleanup(up.Close)

	h := streamsafe.Handler(streamsafe.NewReverseProxy(&url.URL{Scheme: "unix", Path: socket}, nil))
	srv, client := serve(t, "HTTP/1.1", h, nil)
	resp, err := client.Post(srv.URL+"/v1.41/images/load", "application/x-tar", strings.NewReader(strings.Repeat("x", 3<<20)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if want := "POST /v1.41/images/load 3145728 127.0.0.1"; err != nil || string(b) != want {
		t.Errorf("got %q, %v; want %q", b, err, want)
	}
}

// An upgraded connection (docker attach) passes through Handler and the
// proxy, and outlives both the idle limit and the hard cap: after a hijack
// Handler leaves the connection alone.
func TestProxyUpgrade(t *testing.T) {
	checkLeaks(t)
	target := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "tcp" {
			http.Error(w, "want Upgrade: tcp", http.StatusBadRequest)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
		brw.Flush()
		io.Copy(conn, brw) // echo
	})
	const limit = 100 * time.Millisecond
	var l logs
	d := newDone()
	h := streamsafe.Handler(streamsafe.NewReverseProxy(target, l.logger()),
		streamsafe.IdleTimeout(limit), streamsafe.MaxDuration(limit), streamsafe.Logger(l.logger()), d.option())
	srv, _ := serve(t, "HTTP/1.1", h, nil)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST /v1.41/containers/c1/attach?stream=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	time.Sleep(4 * limit)
	io.WriteString(conn, "ping\n")
	if line, err := br.ReadString('\n'); line != "ping\n" {
		t.Fatalf("echo %q, %v", line, err)
	}
	conn.Close()
	rec := d.wait(t)
	if !rec.Hijacked || rec.Cause != nil || rec.Status != http.StatusSwitchingProtocols {
		t.Errorf("record %+v, want hijacked, status 101 and no cause", rec)
	}
	if rec.BytesIn != 5 || rec.BytesOut != 5 {
		t.Errorf("record counts %d bytes in, %d out; want the 5 each way of the upgraded stream", rec.BytesIn, rec.BytesOut)
	}
	if s := l.String(); s != "" {
		t.Errorf("logged:\n%s", s)
	}
}

// The proxy flushes a progress stream line by line, so the client sees each
// message while the upstream is still working.
func TestProxyFlushesProgress(t *testing.T) {
	checkLeaks(t)
	next := make(chan struct{})
	target := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := range 3 {
			fmt.Fprintf(w, `{"status":"step %d"}`+"\n", i)
			http.NewResponseController(w).Flush()
			<-next
		}
	})
	h := streamsafe.Handler(streamsafe.NewReverseProxy(target, nil))
	srv, client := serve(t, "HTTP/2", h, nil)
	resp, err := client.Get(srv.URL + "/v1.41/images/create")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for i := range 3 {
		// The upstream waits for us: this only returns if each line was flushed.
		line, err := br.ReadString('\n')
		if want := fmt.Sprintf(`{"status":"step %d"}`+"\n", i); line != want {
			t.Fatalf("line %q, %v; want %q", line, err, want)
		}
		next <- struct{}{}
	}
}

// An upstream that answers while it still reads an upload (progress per
// chunk) receives every byte through NewReverseProxy under Handler. The
// baseline, a stock ReverseProxy served by net/http over HTTP/1.1, loses
// 256 KiB + 1 of the body without an error anywhere: the server discards
// that much of the unread body when the response starts.
func TestProxyFullDuplexUpload(t *testing.T) {
	checkLeaks(t)
	target := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).EnableFullDuplex()
		buf := make([]byte, 64<<10)
		h := sha256.New()
		var n int
		for {
			m, err := r.Body.Read(buf)
			h.Write(buf[:m])
			n += m
			if m > 0 {
				fmt.Fprintf(w, "progress %d\n", n)
				w.(http.Flusher).Flush()
			}
			if err != nil {
				break
			}
		}
		fmt.Fprintf(w, "got %d %x\n", n, h.Sum(nil))
	})
	data := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16)
	want := fmt.Sprintf("got %d %x", len(data), sha256.Sum256(data))
	upload := func(client *http.Client, url string) string {
		pr, pw := io.Pipe()
		go func() {
			for off := 0; off < len(data); off += 128 << 10 {
				if _, err := pw.Write(data[off : off+128<<10]); err != nil {
					return
				}
				time.Sleep(2 * time.Millisecond) // the upstream answers before the end
			}
			pw.Close()
		}()
		resp, err := client.Post(url, "application/octet-stream", pr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var last string
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			last = sc.Text()
		}
		return last
	}

	stock, client := serve(t, "HTTP/1.1", httputil.NewSingleHostReverseProxy(target), nil)
	var got int
	if _, err := fmt.Sscanf(upload(client, stock.URL), "got %d", &got); err != nil || got >= len(data) {
		t.Errorf("baseline: the upstream behind a stock ReverseProxy got %d of %d bytes (%v); want some lost, the failure this guards against", got, len(data), err)
	} else {
		t.Logf("baseline: stock ReverseProxy lost %d bytes of %d", len(data)-got, len(data))
	}
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			var l logs
			srv, client := serve(t, proto, streamsafe.Handler(streamsafe.NewReverseProxy(target, l.logger()), streamsafe.Logger(l.logger())), nil)
			if got := upload(client, srv.URL); got != want {
				t.Errorf("upstream got %q, want %q", got, want)
			}
			if s := l.String(); s != "" {
				t.Errorf("logged:\n%s", s)
			}
		})
	}
}
