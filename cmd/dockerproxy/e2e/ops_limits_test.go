package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStreamLimits: one client holding many docker events streams hits
// its own limit (429) while another client is still served; when every
// stream is taken the proxy answers 503. Both are Docker JSON errors the
// CLI prints, logged at WARN with the client's name and counted. The old
// proxy had no limit: one client could hold every file descriptor.
func TestStreamLimits(t *testing.T) {
	need(t)
	alice, bob := strings.Repeat("a", 24), strings.Repeat("b", 24)
	tokens := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(tokens, []byte("# name token\nalice "+alice+"\nbob "+bob+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startProxyWith(t, env.daemon, false, "-token-file", tokens,
		"-max-streams-per-client", "5", "-max-streams", "8")

	// events opens a docker events stream as the client with token; it
	// returns the status, and the JSON message when refused.
	var open []io.Closer
	t.Cleanup(func() {
		for _, c := range open {
			c.Close()
		}
	})
	events := func(token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+p.addr+"/v1.41/events", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode == 200 {
			open = append(open, res.Body)
			return 200, ""
		}
		defer res.Body.Close()
		var m struct{ Message string }
		b, _ := io.ReadAll(res.Body)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("refusal %d is not a Docker JSON error: %q", res.StatusCode, b)
		}
		return res.StatusCode, m.Message
	}
	for i := 0; i < 5; i++ {
		if code, msg := events(alice); code != 200 {
			t.Fatalf("alice's stream %d: %d %s", i+1, code, msg)
		}
	}
	code, msg := events(alice)
	if code != http.StatusTooManyRequests || !strings.Contains(msg, "too many requests in flight for this client (limit 5)") {
		t.Fatalf("alice's 6th stream: %d %q, want 429", code, msg)
	}
	aliceCLI := plainCLI(t, "tcp://"+p.addr)
	aliceCLI.setHeaders(t, map[string]string{"Authorization": "Bearer " + alice})
	out, err := aliceCLI.run(t, "ps")
	if err == nil || !strings.Contains(out, "Error response from daemon: dockerproxy: too many requests in flight for this client") {
		t.Errorf("docker ps as alice over her limit: %v\n%s", err, out)
	}

	// Bob is still served, and may open streams of his own.
	bobCLI := plainCLI(t, "tcp://"+p.addr)
	bobCLI.setHeaders(t, map[string]string{"Authorization": "Bearer " + bob})
	bobCLI.must(t, "ps")
	for i := 0; i < 3; i++ {
		if code, msg := events(bob); code != 200 {
			t.Fatalf("bob's stream %d: %d %s", i+1, code, msg)
		}
	}
	// 8 streams in flight: the total limit.
	code, msg = events(bob)
	if code != http.StatusServiceUnavailable || !strings.Contains(msg, "too many requests in flight (limit 8)") {
		t.Fatalf("stream over the total: %d %q, want 503", code, msg)
	}
	// Alice leaves; bob gets in.
	for _, c := range open[:5] {
		c.Close()
	}
	if !waitFor(5*time.Second, func() bool { _, err := bobCLI.run(t, "ps"); return err == nil }) {
		t.Fatal("bob not served after alice's streams ended")
	}

	// The CLI's refused requests (it retries its ping) count with the
	// stream's: each refusal is one WARN record and one count.
	refused := p.metric(t, `dockerproxy_denied_total{reason="client_streams"}`)
	if refused < 2 {
		t.Errorf("denied_total{client_streams} = %v, want at least 2", refused)
	}
	if n := p.metric(t, `dockerproxy_denied_total{reason="streams"}`); n < 1 {
		t.Errorf("denied_total{streams} = %v, want at least 1", n)
	}
	if l := p.waitLog(int(refused), "level=WARN", "request refused", "reason=client_streams", "client=alice"); float64(len(l)) != refused {
		t.Errorf("%d WARN records of alice's refusals, want %v:\n%s", len(l), refused, p.log.String())
	}
	if l := logLines(p.log.String(), "reason=client_streams", "client=bob"); len(l) != 0 {
		t.Errorf("bob refused for alice's streams: %q", l)
	}
	// Leaving docker events is how it ends, not an abort.
	if !waitFor(5*time.Second, func() bool {
		return len(logLines(p.log.String(), "reason=client_gone", "/events")) >= 5
	}) {
		t.Fatalf("alice's streams did not end:\n%s", p.log.String())
	}
	if n := p.metric(t, `dockerproxy_aborts_total{cause="client_gone"}`); n > 0 {
		t.Errorf("aborts_total{client_gone} = %v after clients left docker events, want none", n)
	}
	if n := p.metric(t, `dockerproxy_request_duration_seconds_count{class="idle"}`); n < 5 {
		t.Errorf("request_duration_seconds_count{idle} = %v, want the 5 ended streams", n)
	}
}

// TestConnectionLimits: connections beyond a client's limit are answered
// 429 and closed; other clients connect.
func TestConnectionLimits(t *testing.T) {
	need(t)
	p := startProxyWith(t, env.daemon, false, "-max-connections-per-client", "3", "-max-connections", "100")
	var conns []io.Closer
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	get := func() (int, string) {
		t.Helper()
		// A transport of its own: one new connection per call.
		tr := &http.Transport{}
		res, err := tr.RoundTrip(mustRequest(t, "http://"+p.addr+"/_ping"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(bufio.NewReader(res.Body))
		res.Body.Close()
		conns = append(conns, closerFunc(tr.CloseIdleConnections))
		return res.StatusCode, string(b)
	}
	for i := 0; i < 3; i++ {
		if code, body := get(); code != 200 {
			t.Fatalf("connection %d: %d %s", i+1, code, body)
		}
	}
	code, body := get()
	if code != http.StatusTooManyRequests || !strings.Contains(body, "too many connections from this client (limit 3)") {
		t.Fatalf("4th connection: %d %s", code, body)
	}
	if n := p.metric(t, "dockerproxy_connections"); n < 3 {
		t.Errorf("dockerproxy_connections = %v, want at least 3", n)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	if !waitFor(5*time.Second, func() bool { c, _ := get(); return c == 200 }) {
		t.Fatal("no connection accepted after the others closed")
	}
	if l := p.waitLog(1, "level=WARN", "connection refused", "reason=client_connections"); len(l) == 0 {
		t.Errorf("no WARN record of the refused connection:\n%s", p.log.String())
	}
}

func mustRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

type closerFunc func()

func (f closerFunc) Close() error { f(); return nil }
