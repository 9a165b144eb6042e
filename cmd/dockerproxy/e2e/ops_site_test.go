package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestBrowserRequestsRefused: a proxy on loopback without client
// authentication is what a web page attacks. Through DNS rebinding its
// requests carry Host: the page's name; cross-site they carry Origin (a
// POST with Content-Type text/plain needs no CORS preflight, so the
// browser sends it). Both are refused before dockerd sees them, while the
// same request from the docker CLI's point of view goes through.
func TestBrowserRequestsRefused(t *testing.T) {
	need(t)
	p := startProxyWith(t, env.daemon, false)
	id := runSleeper(t)
	started := startedAt(t, id)

	restart := func(host string, h map[string]string) (int, string) {
		t.Helper()
		body := io.Reader(strings.NewReader("x"))
		if h["Content-Length"] == "0" {
			body = nil
		}
		req, _ := http.NewRequest("POST", "http://"+p.addr+"/v1.41/containers/"+id+"/restart?t=0", body)
		req.Host = host
		if body != nil {
			req.Header.Set("Content-Type", "text/plain")
		}
		for k, v := range h {
			if k != "Content-Length" {
				req.Header.Set(k, v)
			}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	_, port, _ := net.SplitHostPort(p.addr)
	for _, tc := range []struct {
		name, host string
		h          map[string]string
		want       string
	}{
		{"rebinding", "evil.example:" + port, nil, "is not a name of this proxy"},
		{"rebinding, page origin", "evil.example:" + port, map[string]string{"Origin": "http://evil.example:" + port}, "is not a name of this proxy"},
		{"cross-site", p.addr, map[string]string{"Origin": "http://evil.example"}, "requests from web pages are refused"},
		{"cross-site, no Origin", p.addr, map[string]string{"Sec-Fetch-Site": "cross-site"}, "cross-site requests"},
		{"opaque origin", p.addr, map[string]string{"Origin": "null"}, "requests from web pages are refused"},
	} {
		code, body := restart(tc.host, tc.h)
		var msg struct{ Message string }
		if err := json.Unmarshal([]byte(body), &msg); err != nil || code != http.StatusForbidden || !strings.Contains(msg.Message, tc.want) {
			t.Errorf("%s: %d %s; want 403 with a JSON message containing %q", tc.name, code, body, tc.want)
		}
	}
	if got := startedAt(t, id); got != started {
		t.Fatalf("the container was restarted (%s -> %s): a browser request reached dockerd", started, got)
	}
	if n := p.metric(t, `dockerproxy_denied_total{reason="host"}`); n != 2 {
		t.Errorf("denied_total{host} = %v, want 2", n)
	}
	if n := p.metric(t, `dockerproxy_denied_total{reason="origin"}`); n != 3 {
		t.Errorf("denied_total{origin} = %v, want 3", n)
	}

	// The same request with the listener's own name and no browser
	// headers reaches dockerd: the refusals above are the checks, not a
	// broken request.
	// (Without the browser's text/plain body: under the default policy a
	// body sent to restart is refused on its own.)
	for _, host := range []string{p.addr, "localhost:" + port} {
		if code, body := restart(host, map[string]string{"Content-Length": "0"}); code != http.StatusNoContent {
			t.Fatalf("restart with Host %s: %d %s", host, code, body)
		}
	}
	if got := startedAt(t, id); got == started {
		t.Fatal("the allowed restart did not restart the container")
	}
	plainCLI(t, "tcp://"+p.addr).must(t, "ps")
	plainCLI(t, "tcp://localhost:"+port).must(t, "ps")
}

// TestAllowHostAndOrigin: -allow-host and -allow-origin let a named front
// end and a chosen web UI through, and nothing else.
func TestAllowHostAndOrigin(t *testing.T) {
	need(t)
	p := startProxyWith(t, env.daemon, false, "-allow-host", "docker.internal.example", "-allow-origin", "https://ui.example")
	ping := func(host, origin string) int {
		req, _ := http.NewRequest("GET", "http://"+p.addr+"/_ping", nil)
		req.Host = host
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, tc := range []struct {
		host, origin string
		want         int
	}{
		{"docker.internal.example:2376", "", 200},
		{"DOCKER.internal.example.", "", 200},
		{p.addr, "https://ui.example", 200},
		{p.addr, "https://evil.example", 403},
		{"other.example", "", 403},
	} {
		if got := ping(tc.host, tc.origin); got != tc.want {
			t.Errorf("Host %q Origin %q: %d, want %d", tc.host, tc.origin, got, tc.want)
		}
	}
}

// TestHealthzCachedAndQuiet: /healthz pings the daemon at most once per
// couple of seconds however often it is asked (the old code pinged on
// every request), and when the daemon is away it says so without
// revealing the socket path.
func TestHealthzCachedAndQuiet(t *testing.T) {
	need(t)
	relay := newPingCounter(t, env.daemon.sock)
	p := startProxyWith(t, env.daemon, false, "-upstream", "unix://"+relay.sock)
	for i := 0; i < 50; i++ {
		res, err := http.Get("http://" + p.admin + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("healthz: %d %s", res.StatusCode, b)
		}
	}
	if n := relay.pings.Load(); n < 1 || n > 2 {
		t.Errorf("50 /healthz requests sent %d pings to the daemon, want 1 or 2", n)
	}

	missing := filepath.Join(t.TempDir(), "gone", "docker.sock")
	q := startProxyWith(t, env.daemon, false, "-upstream", "unix://"+missing)
	res, err := http.Get("http://" + q.admin + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(b), missing) {
		t.Errorf("healthz without a daemon: %d %q; want 503 without the socket path", res.StatusCode, b)
	}
	// The Docker API's 502 does not reveal it either; the log does.
	out, err := plainCLI(t, "tcp://"+q.addr).run(t, "version")
	if err == nil || !strings.Contains(out, "cannot reach the Docker daemon") || strings.Contains(out, missing) {
		t.Errorf("docker version without a daemon: %v\n%s", err, out)
	}
	if len(q.waitLog(1, missing)) == 0 {
		t.Errorf("the log does not name the socket it failed to reach:\n%s", q.log.String())
	}
	t.Logf("healthz: %s; CLI: %s", strings.TrimSpace(string(b)), strings.TrimSpace(out))
}

// runSleeper starts a container that sleeps, removed at the end of t.
func runSleeper(t *testing.T) string {
	t.Helper()
	out, err := env.daemon.docker("run", "-d", "--network", "none", "busybox:local", "sleep", "600")
	if err != nil {
		t.Fatalf("docker run: %v\n%s", err, out)
	}
	id := strings.TrimSpace(out)
	t.Cleanup(func() { _, _ = env.daemon.docker("rm", "-f", id) })
	return id
}

func startedAt(t *testing.T, id string) string {
	t.Helper()
	out, err := env.daemon.docker("inspect", "-f", "{{.State.StartedAt}}", id)
	if err != nil {
		t.Fatalf("inspect: %v\n%s", err, out)
	}
	return strings.TrimSpace(out)
}

// pingCounter relays a unix socket to the daemon's and counts the
// HEAD /_ping requests that cross it.
type pingCounter struct {
	sock  string
	pings atomic.Int64
}

func newPingCounter(t *testing.T, daemonSock string) *pingCounter {
	t.Helper()
	dir, err := os.MkdirTemp(env.root, "relay")
	if err != nil {
		t.Fatal(err)
	}
	pc := &pingCounter{sock: filepath.Join(dir, "relay.sock")}
	ln, err := net.Listen("unix", pc.sock)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d, err := net.Dial("unix", daemonSock)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() {
				defer wg.Done()
				defer d.Close()
				// Request lines are counted as they pass.
				br := bufio.NewReader(io.TeeReader(c, d))
				for {
					line, err := br.ReadString('\n')
					if strings.HasPrefix(line, "HEAD /_ping ") {
						pc.pings.Add(1)
					}
					if err != nil {
						return
					}
				}
			}()
			go func() {
				defer wg.Done()
				defer c.Close()
				_, _ = io.Copy(c, d)
			}()
		}
	}()
	return pc
}
