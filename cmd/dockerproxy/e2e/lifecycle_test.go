package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestShutdown: on SIGTERM the proxy stops accepting, ends idle streams at
// once, lets a short request in flight finish within the grace period,
// cuts what is left after it, and exits 0.
func TestShutdown(t *testing.T) {
	need(t)
	direct := plainCLI(t, "unix://"+env.daemon.sock)
	name := fmt.Sprintf("sleeper%d", time.Now().UnixNano())
	// busybox sleep as PID 1 ignores SIGTERM: docker stop -t N takes N s.
	direct.must(t, "run", "-d", "--network", "none", "--name", name, "busybox:local", "sleep", "300")
	defer direct.run(t, "rm", "-f", name)

	t.Run("grace", func(t *testing.T) {
		p := startProxy(t, env.daemon, noOwnership, "-grace", "5s")
		c := tlsCLI(t, p.addr)
		_, eventsUp := startStream(t, c, "events")
		stopped := make(chan error, 1)
		var stopOut string
		go func() {
			var err error
			stopOut, err = c.run(t, "stop", "-t", "2", name)
			stopped <- err
		}()
		p.waitActive(t, "idle", 1, 0)                     // events
		p.waitActive(t, "short", 1, 300*time.Millisecond) // docker stop -t 2
		sent := time.Now()
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		if !waitFor(time.Second, func() bool { return !eventsUp() }) {
			t.Errorf("docker events still connected 1 s after SIGTERM")
		}
		if !waitFor(time.Second, func() bool {
			c, err := net.DialTimeout("tcp", p.addr, 100*time.Millisecond)
			if err == nil {
				c.Close()
			}
			return err != nil
		}) {
			t.Errorf("proxy still accepts connections 1 s after SIGTERM")
		}
		if err := <-stopped; err != nil {
			t.Errorf("docker stop in flight during shutdown failed: %v %s", err, stopOut)
		}
		select {
		case <-p.done:
		case <-time.After(7 * time.Second):
			t.Fatal("proxy did not exit within the grace period")
		}
		if p.err != nil {
			t.Errorf("proxy exit: %v, want status 0", p.err)
		}
		if lines := logLines(p.log.String(), "request aborted", "/events", "reason=stopped", "shutting down"); len(lines) != 1 {
			t.Errorf("want one abort record for /events with reason=stopped and the shutdown cause:\n%s", p.log.String())
		}
		t.Logf("exited %v after SIGTERM; the in-flight docker stop finished", time.Since(sent).Round(time.Millisecond))
	})

	t.Run("cut after grace", func(t *testing.T) {
		direct.must(t, "start", name)
		const grace = 2 * time.Second
		p := startProxy(t, env.daemon, noOwnership, "-grace", grace.String())
		c := tlsCLI(t, p.addr)
		stopped := make(chan error, 1)
		go func() {
			_, err := c.run(t, "stop", "-t", "20", name)
			stopped <- err
		}()
		p.waitActive(t, "short", 1, 300*time.Millisecond) // docker stop -t 20
		// An upgraded session (attach) whose stdin stays open.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		session := c.cmd(ctx, "run", "-i", "--rm", "--network", "none", "busybox:local", "cat")
		stdin, err := session.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		defer stdin.Close()
		var sessOut syncBuffer
		session.Stdout = &sessOut
		if err := session.Start(); err != nil {
			t.Fatal(err)
		}
		sessionDone := make(chan struct{})
		go func() { _ = session.Wait(); close(sessionDone) }()
		fmt.Fprintln(stdin, "before")
		if !waitFor(10*time.Second, func() bool { return strings.Contains(sessOut.String(), "before") }) {
			t.Fatalf("attach session did not echo")
		}
		p.waitActive(t, "upgrade", 1, 0)
		sent := time.Now()
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		time.Sleep(grace / 2)
		fmt.Fprintln(stdin, "during")
		if !waitFor(grace/4, func() bool { return strings.Contains(sessOut.String(), "during") }) {
			t.Errorf("attach session stopped working within the grace period")
		}
		select {
		case <-p.done:
		case <-time.After(grace + 3*time.Second):
			t.Fatalf("proxy did not exit %v after SIGTERM with a %v grace period", grace+3*time.Second, grace)
		}
		took := time.Since(sent)
		if took < grace-100*time.Millisecond {
			t.Errorf("proxy exited %v after SIGTERM, before the %v grace period ended", took, grace)
		}
		if p.err != nil {
			t.Errorf("proxy exit: %v, want status 0", p.err)
		}
		select {
		case err := <-stopped:
			if err == nil {
				t.Errorf("docker stop -t 20 succeeded though the proxy cut it")
			}
		case <-time.After(3 * time.Second):
			t.Errorf("docker stop still waiting after the proxy exited")
		}
		select {
		case <-sessionDone:
		case <-time.After(3 * time.Second):
			t.Errorf("attach session still open after the proxy exited")
		}
		if lines := logLines(p.log.String(), "request aborted", "/stop", "reason=stopped", "shutting down"); len(lines) != 1 {
			t.Errorf("want one abort record for /stop with reason=stopped and the shutdown cause:\n%s", p.log.String())
		}
		t.Logf("exited %v after SIGTERM with grace %v; docker stop and the attach session were cut", took.Round(time.Millisecond), grace)
	})
}

// TestHealthAndMetrics: /healthz follows the daemon; /metrics counts
// requests, bytes and streams.
func TestHealthAndMetrics(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon)
	get := func(url string) (int, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("http://" + p.admin + "/healthz"); code != 200 {
		t.Errorf("healthz: %d %s", code, body)
	}
	c := tlsCLI(t, p.addr)
	c.must(t, "version")
	c.must(t, "image", "inspect", "busybox:local")
	_, body := get("http://" + p.admin + "/metrics")
	for _, want := range []string{
		`dockerproxy_requests_total{class="short",code="200"}`,
		`dockerproxy_body_bytes_total{direction="out"}`,
		`dockerproxy_active_streams{class="short"} 0`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if p.metric(t, `dockerproxy_requests_total{class="short",code="200"}`) < 3 {
		t.Errorf("requests_total{short,200} < 3")
	}

	// A proxy whose daemon is gone is unhealthy and answers 502 with a
	// message the CLI prints.
	dead := &daemon{sock: "/nonexistent/docker.sock"}
	p2 := startProxy(t, dead)
	if code, body := get("http://" + p2.admin + "/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("healthz with no daemon: %d %s", code, body)
	}
	out, err := tlsCLI(t, p2.addr).run(t, "version")
	if err == nil || !strings.Contains(out, "cannot reach the Docker daemon") {
		t.Errorf("docker version with no daemon: %v %s", err, out)
	}
}
