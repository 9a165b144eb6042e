package e2e

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNoClientCertRefused: without a client certificate the TLS handshake
// fails, for the docker CLI and for a bare TLS client.
func TestNoClientCertRefused(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon)
	onlyCA := t.TempDir()
	ca, err := os.ReadFile(filepath.Join(env.certs, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(onlyCA, "ca.pem"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	c := tlsCLI(t, p.addr)
	for i, e := range c.env {
		if strings.HasPrefix(e, "DOCKER_CERT_PATH=") {
			c.env[i] = "DOCKER_CERT_PATH=" + onlyCA
		}
	}
	out, err := c.run(t, "version", "--format", "{{.Server.Version}}")
	if err == nil {
		t.Fatalf("docker version without a client certificate succeeded: %s", out)
	}
	if !strings.Contains(strings.ToLower(out), "certificate") && !strings.Contains(strings.ToLower(out), "tls") {
		t.Errorf("CLI error does not mention the certificate: %s", out)
	}

	conn, err := tls.Dial("tcp", p.addr, clientTLS(t, false))
	if err == nil {
		// TLS 1.3: the server's verdict arrives with the first read.
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
		_, err = conn.Read(make([]byte, 1))
		conn.Close()
	}
	if err == nil {
		t.Fatal("TLS client without certificate got an answer")
	}
	t.Logf("CLI: %s; bare TLS client: %v", strings.TrimSpace(out), err)
	if !waitFor(5*time.Second, func() bool { return len(logLines(p.log.String(), "TLS handshake failed")) >= 2 }) {
		t.Errorf("the proxy did not log both refused handshakes:\n%s", p.log.String())
	}

	// With the certificate, the same endpoint works.
	tlsCLI(t, p.addr).must(t, "version")
}

func newToken(t *testing.T) (token, file string) {
	t.Helper()
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	token = hex.EncodeToString(b)
	file = filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return token, file
}

// TestTokenAuth: a wrong or missing bearer token gets 401 and nothing
// reaches the daemon; the right one works.
func TestTokenAuth(t *testing.T) {
	need(t)
	token, file := newToken(t)
	p := startProxy(t, env.daemon, noOwnership, "-token-file", file)
	direct := plainCLI(t, "unix://"+env.daemon.sock)
	tag := fmt.Sprintf("e2e/token:%d", time.Now().UnixNano())

	wrong := tlsCLI(t, p.addr)
	wrong.setHeaders(t, map[string]string{"Authorization": "Bearer not-" + token})
	out, err := wrong.run(t, "tag", "busybox:local", tag)
	if err == nil {
		t.Fatalf("docker tag with a wrong token succeeded: %s", out)
	}
	if !strings.Contains(out, "bearer token") {
		t.Errorf("CLI output lacks the proxy's message: %s", out)
	}
	if _, err := direct.run(t, "image", "inspect", tag); err == nil {
		t.Fatalf("the tag exists: a request with a wrong token reached the daemon")
	}
	none := tlsCLI(t, p.addr)
	if out, err := none.run(t, "tag", "busybox:local", tag); err == nil {
		t.Fatalf("docker tag without a token succeeded: %s", out)
	}
	if n := p.metric(t, `dockerproxy_denied_total{reason="auth"}`); n < 2 {
		t.Errorf("denied_total{auth} = %v, want at least 2", n)
	}

	right := tlsCLI(t, p.addr)
	right.setHeaders(t, map[string]string{"Authorization": "Bearer " + token})
	right.must(t, "tag", "busybox:local", tag)
	direct.must(t, "rmi", tag)
	t.Logf("wrong token: %s", strings.TrimSpace(out))
}

// TestPolicyDenied: a denied endpoint answers 403 with a JSON message that
// the docker CLI prints; allowed ones work.
func TestPolicyDenied(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon, "-policy", "read-only")
	c := tlsCLI(t, p.addr)
	c.must(t, "ps")
	out, err := c.run(t, "run", "--rm", "--network", "none", "busybox:local", "true")
	if err == nil {
		t.Fatalf("docker run under read-only succeeded: %s", out)
	}
	if !strings.Contains(out, "Error response from daemon: dockerproxy: POST /containers/create is not allowed by policy read-only") {
		t.Errorf("CLI output lacks the policy message: %s", out)
	}

	p2 := startProxy(t, env.daemon, "-allow", "GET /containers/json")
	c2 := tlsCLI(t, p2.addr)
	c2.must(t, "ps")
	out2, err := c2.run(t, "images")
	if err == nil || !strings.Contains(out2, "GET /images/json is not allowed by policy allowlist") {
		t.Errorf("docker images under an allowlist of GET /containers/json: %v %s", err, out2)
	}
	t.Logf("read-only: %s; allowlist: %s", strings.TrimSpace(out), strings.TrimSpace(out2))
}

// TestNoCredentialsInLog: a session with a bearer token, a registry login,
// a push (X-Registry-Auth) and a build (X-Registry-Config), plus denied
// and failed requests, at debug level, leaves no credential in the log.
func TestNoCredentialsInLog(t *testing.T) {
	need(t)
	token, file := newToken(t)
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			p := startProxy(t, env.daemon, noOwnership, "-token-file", file, "-log-format", format)
			reg := startRegistry(t)
			c := tlsCLI(t, p.addr)
			c.setHeaders(t, map[string]string{"Authorization": "Bearer " + token})
			password := "pw-" + token[:12]
			c.must(t, "login", "-u", "e2euser", "-p", password, reg.addr)
			cfg, _ := os.ReadFile(filepath.Join(c.dir, "config.json"))
			if !strings.Contains(string(cfg), `"auths"`) {
				t.Fatalf("login stored no credentials: %s", cfg)
			}
			tag := reg.addr + "/small:1"
			c.must(t, "tag", "busybox:local", tag)
			c.must(t, "push", tag)
			ctxDir := t.TempDir()
			os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM "+tag+"\nRUN true\n"), 0o644)
			c.must(t, "build", "-q", "-t", "e2e/credbuild:1", ctxDir)
			c.must(t, "rmi", tag, "e2e/credbuild:1")
			bad := tlsCLI(t, p.addr)
			bad.setHeaders(t, map[string]string{"Authorization": "Bearer wrong-" + token})
			_, _ = bad.run(t, "ps")

			p.waitLog(1, "request denied")
			log := p.log.String()
			if !strings.Contains(log, "/push") || !strings.Contains(log, "/build") || !strings.Contains(log, "request denied") {
				t.Fatalf("log lacks the requests it should describe:\n%s", log)
			}
			for _, secret := range []string{token, password, "eyJ", "authorization", "x-registry-auth", "x-registry-config"} {
				if strings.Contains(strings.ToLower(log), strings.ToLower(secret)) {
					t.Errorf("log contains %q:\n%s", secret, log)
				}
			}
		})
	}
}

// TestSlowHeaders: headers trickled one byte at a time are cut by
// ReadHeaderTimeout.
func TestSlowHeaders(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon, "-read-header-timeout", "1s")
	conn, err := tls.Dial("tcp", p.addr, clientTLS(t, true))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	closed := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(conn)
		closed <- err
	}()
	fmt.Fprintf(conn, "GET /_ping HTTP/1.1\r\nHost: docker\r\n")
	sent := 0
	trickle := "X-Slow: " + strings.Repeat("z", 40)
loop:
	for _, b := range []byte(trickle) {
		select {
		case <-closed:
			break loop
		case <-time.After(200 * time.Millisecond):
		}
		if _, err := conn.Write([]byte{b}); err != nil {
			break
		}
		sent++
	}
	took := time.Since(start)
	if sent == len(trickle) {
		t.Fatalf("server accepted %d trickled header bytes over %v", sent, took)
	}
	if took < 900*time.Millisecond || took > 4*time.Second {
		t.Errorf("connection cut after %v, want about 1 s", took)
	}
	t.Logf("trickled headers cut after %v (%d bytes sent)", took.Round(time.Millisecond), sent)
}

// TestRefuseOpenListener: dockerproxy will not serve a non-loopback
// address without TLS and client authentication.
func TestRefuseOpenListener(t *testing.T) {
	need(t)
	for _, args := range [][]string{
		{"-listen", "0.0.0.0:0"},
		{"-listen", ":0", "-tls-cert", filepath.Join(env.certs, "server-cert.pem"), "-tls-key", filepath.Join(env.certs, "server-key.pem")},
	} {
		out, err := exec.Command(env.proxyBin, append(args, "-upstream", "unix:///nonexistent.sock")...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "refusing to listen on non-loopback address") {
			t.Errorf("dockerproxy %s: %v %s", strings.Join(args, " "), err, out)
		}
	}
	// The same on loopback is fine (the quick start).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}

// TestCertificateReload: after the files are replaced by a new CA's set
// and the proxy gets SIGHUP, clients of the old CA are refused and clients
// of the new one served, without a restart.
func TestCertificateReload(t *testing.T) {
	need(t)
	live := t.TempDir()
	for _, f := range []string{"ca.pem", "server-cert.pem", "server-key.pem"} {
		b, err := os.ReadFile(filepath.Join(env.certs, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(live, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := startProxy(t, env.daemon, "-tls-dir", live)
	old := tlsCLI(t, p.addr)
	old.must(t, "version")

	fresh := filepath.Join(t.TempDir(), "new")
	if out, err := exec.Command(env.proxyBin, "gen-certs", "-dir", fresh).CombinedOutput(); err != nil {
		t.Fatalf("gen-certs: %v %s", err, out)
	}
	for _, f := range []string{"ca.pem", "server-cert.pem", "server-key.pem"} {
		b, _ := os.ReadFile(filepath.Join(fresh, f))
		if err := os.WriteFile(filepath.Join(live, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	if !waitFor(5*time.Second, func() bool { return strings.Contains(p.log.String(), "certificates reloaded") }) {
		t.Fatalf("no reload logged:\n%s", p.log.String())
	}
	if out, err := old.run(t, "version"); err == nil {
		t.Errorf("client of the old CA still served after reload: %s", out)
	}
	nc := tlsCLI(t, p.addr)
	for i, e := range nc.env {
		if strings.HasPrefix(e, "DOCKER_CERT_PATH=") {
			nc.env[i] = "DOCKER_CERT_PATH=" + fresh
		}
	}
	nc.must(t, "version")

	// A broken file set is refused and the working one kept.
	os.WriteFile(filepath.Join(live, "server-key.pem"), []byte("garbage"), 0o600)
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	if !waitFor(5*time.Second, func() bool { return strings.Contains(p.log.String(), "certificate reload failed") }) {
		t.Fatalf("no failed reload logged:\n%s", p.log.String())
	}
	nc.must(t, "version")
}
