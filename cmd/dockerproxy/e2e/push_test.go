package e2e

import (
	"context"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestBaselineWriteTimeoutCutsPush reproduces the failure dockerproxy
// exists for: a plain httputil.ReverseProxy behind
// http.Server{WriteTimeout: 3s} cuts a 400 MB docker push, dockerd logs
// only "context canceled", and the proxy logs nothing at all.
func TestBaselineWriteTimeoutCutsPush(t *testing.T) {
	need(t)
	reg := startRegistry(t)
	var plog syncBuffer
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "docker"})
	rp.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", env.daemon.sock)
	}}
	rp.ErrorLog = log.New(&plog, "", 0)
	//streamvet:ignore the blog's failure, reproduced as the baseline
	srv := &http.Server{Handler: rp, WriteTimeout: 3 * time.Second, ErrorLog: log.New(&plog, "", 0)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	tag := reg.addr + "/big:baseline"
	direct := plainCLI(t, "unix://"+env.daemon.sock)
	direct.must(t, "tag", bigImage, tag)
	defer direct.run(t, "rmi", tag)
	mark := len(env.daemon.log.String())

	c := plainCLI(t, "tcp://"+ln.Addr().String())
	took, out, err := c.timed(t, "push", tag)
	t.Logf("push through plain proxy with WriteTimeout 3s: err=%v after %v, output tail: %q", err, took.Round(time.Millisecond), tail(out, 200))
	if err == nil {
		t.Fatalf("push through the plain proxy succeeded in %v; the baseline expects WriteTimeout to cut it", took)
	}
	if !waitFor(10*time.Second, func() bool {
		return strings.Contains(env.daemon.log.String()[mark:], "context canceled")
	}) {
		t.Errorf("dockerd log has no \"context canceled\" after the cut push:\n%s", tail(env.daemon.log.String()[mark:], 2000))
	}
	if s := plog.String(); s != "" {
		t.Errorf("the plain proxy logged %q; the baseline expects silence", s)
	}
}

// TestPushPullThroughProxy pushes the same 400 MB image through dockerproxy
// (TLS, client certificates, every inactivity limit 3 s) and pulls it back,
// and compares the push with a direct one.
func TestPushPullThroughProxy(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon, "-idle-short", "3s", "-idle-progress", "3s", "-idle-bulk", "3s", "-idle-stream", "3s")
	c := tlsCLI(t, p.addr)
	direct := plainCLI(t, "unix://"+env.daemon.sock)

	regDirect := startRegistry(t)
	dtag := regDirect.addr + "/big:1"
	direct.must(t, "tag", bigImage, dtag)
	dTook, out, err := direct.timed(t, "push", dtag)
	if err != nil {
		t.Fatalf("direct push: %v\n%s", err, out)
	}
	direct.must(t, "rmi", dtag)

	reg := startRegistry(t)
	tag := reg.addr + "/big:1"
	direct.must(t, "tag", bigImage, tag)
	pTook, out, err := c.timed(t, "push", tag)
	if err != nil {
		t.Fatalf("push through dockerproxy: %v\n%s\nproxy log:\n%s", err, out, p.log.String())
	}
	if !strings.Contains(out, "digest: sha256:") {
		t.Errorf("push output has no digest:\n%s", out)
	}
	t.Logf("push 400 MB: direct %v, through dockerproxy %v (ratio direct/proxy %.2f)", dTook.Round(time.Millisecond), pTook.Round(time.Millisecond), dTook.Seconds()/pTook.Seconds())

	// Pull it back for real: drop every tag of the image, so the layer is
	// gone, then restore the shared tag from the pulled image.
	id := strings.TrimSpace(direct.must(t, "image", "inspect", "-f", "{{.Id}}", bigImage))
	direct.must(t, "rmi", tag, bigImage)
	defer func() {
		if _, err := direct.run(t, "image", "inspect", bigImage); err != nil {
			// Restore the shared image for other tests.
			direct.must(t, "build", "-q", "-t", bigImage, env.bigCtx)
		}
	}()
	plTook, out, err := c.timed(t, "pull", tag)
	if err != nil {
		t.Fatalf("pull through dockerproxy: %v\n%s", err, out)
	}
	got := strings.TrimSpace(direct.must(t, "image", "inspect", "-f", "{{.Id}}", tag))
	if got != id {
		t.Errorf("pulled image %s, pushed %s", got, id)
	}
	direct.must(t, "tag", tag, bigImage)
	direct.must(t, "rmi", tag)
	t.Logf("pull 400 MB through dockerproxy: %v", plTook.Round(time.Millisecond))
	if lines := logLines(p.log.String(), "request aborted"); len(lines) > 0 {
		t.Errorf("proxy aborted requests:\n%s", strings.Join(lines, "\n"))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
