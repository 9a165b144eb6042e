package e2e

import (
	"net"
	"os/exec"
	"testing"
	"time"
)

// TestOutOfFilesLoggedAtWarn: when the proxy runs out of file descriptors
// every new client is locked out; the old proxy said so at DEBUG only
// (net/http's "Accept error"). It must be a WARN, rate-limited, counted,
// and the proxy must serve again once descriptors are free.
func TestOutOfFilesLoggedAtWarn(t *testing.T) {
	need(t)
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatalf("prlimit (util-linux) not found: %v", err)
	}
	// The proxy's own files (listeners, epoll, the daemon pool) take
	// about a dozen; 40 leaves room for a few clients only.
	p := startProxyCmd(t, env.daemon, false, []string{prlimit, "--nofile=40:40", "--"})
	if l := logLines(p.log.String(), "level=WARN", "file descriptor limit"); len(l) != 1 {
		t.Errorf("no WARN at start that 40 files cannot hold the connection limits:\n%s", p.log.String())
	}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 60; i++ {
		c, err := net.Dial("tcp", p.addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	if !waitFor(5*time.Second, func() bool {
		return len(logLines(p.log.String(), "level=WARN", "accepting a connection failed", "too many open files")) > 0
	}) {
		t.Fatalf("no WARN record of the failed accept:\n%s", p.log.String())
	}
	time.Sleep(2 * time.Second) // net/http retries, up to 1 s apart
	if n := len(logLines(p.log.String(), "accepting a connection failed")); n > 3 {
		t.Errorf("%d records of failed accepts in about 2 s, want at most 3 (rate-limited)", n)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	if !waitFor(10*time.Second, func() bool {
		_, err := plainCLI(t, "tcp://"+p.addr).run(t, "version")
		return err == nil
	}) {
		t.Fatalf("not serving after the connections closed:\n%s", p.log.String())
	}
	if n := p.metric(t, "dockerproxy_accept_errors_total"); n < 1 {
		t.Errorf("accept_errors_total = %v", n)
	}
}
