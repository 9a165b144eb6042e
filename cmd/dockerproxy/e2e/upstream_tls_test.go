package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTLSUpstream: dockerproxy in front of dockerd's own TLS listener
// (--tlsverify, client certificates from -upstream-tls-dir) serves short
// requests, an event stream and an interactive container, and its health
// check reaches the daemon over TLS.
func TestTLSUpstream(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon, "-upstream", "tcp://"+env.daemon.tlsAddr, "-upstream-tls-dir", env.certs)
	if !strings.Contains(p.log.String(), "upstream=https://"+env.daemon.tlsAddr) {
		t.Errorf("startup record does not name the TLS upstream:\n%s", p.log.String())
	}
	c := tlsCLI(t, p.addr)
	if v := c.must(t, "version", "--format", "{{.Server.Os}}"); strings.TrimSpace(v) != "linux" {
		t.Fatalf("docker version: %q", v)
	}

	events, running := startStream(t, c, "events", "--format", "{{.Action}} {{.Actor.Attributes.name}}")
	p.waitActive(t, "idle", 1, 300*time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run := c.cmd(ctx, "run", "-i", "--rm", "--network", "none", "--name", "tlsup", "busybox:local", "cat")
	run.Stdin = strings.NewReader("hi over TLS\n")
	out, err := run.CombinedOutput()
	if err != nil || string(out) != "hi over TLS\n" {
		t.Fatalf("echo | docker run -i cat through the TLS upstream: %v, output %q", err, out)
	}
	if !waitFor(10*time.Second, func() bool { return events.has("start tlsup") }) || !running() {
		t.Errorf("docker events through the TLS upstream did not report the container:\n%s", events.String())
	}

	res, err := http.Get("http://" + p.admin + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/healthz over the TLS upstream: %s", res.Status)
	}
	// The CLI may close /wait or leave events before their end (INFO);
	// nothing may be cut.
	for _, level := range []string{"level=WARN", "level=ERROR"} {
		if lines := logLines(p.log.String(), "request aborted", level); len(lines) > 0 {
			t.Errorf("aborted requests:\n%s", strings.Join(lines, "\n"))
		}
	}
}

// TestTLSUpstreamUntrusted: without -upstream-tls-dir the proxy neither
// trusts dockerd's certificate nor has one of its own; the CLI prints the
// proxy's reason instead of hanging.
func TestTLSUpstreamUntrusted(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon, "-upstream", "https://"+env.daemon.tlsAddr)
	out, err := tlsCLI(t, p.addr).run(t, "version", "--format", "{{.Server.Os}}")
	if err == nil {
		t.Fatalf("docker version succeeded although dockerd cannot verify the proxy: %s", out)
	}
	if !strings.Contains(out, "cannot reach the Docker daemon") || !strings.Contains(out, "certificate") {
		t.Errorf("CLI output does not carry the proxy's reason: %s", out)
	}
}
