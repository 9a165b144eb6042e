package e2e

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// certCLI points the docker CLI at a TLS endpoint with the client
// certificate in dir (DOCKER_CERT_PATH layout).
func certCLI(t *testing.T, addr, dir string) *cli {
	t.Helper()
	c := tlsCLI(t, addr)
	for i, e := range c.env {
		if strings.HasPrefix(e, "DOCKER_CERT_PATH=") {
			c.env[i] = "DOCKER_CERT_PATH=" + dir
		}
	}
	return c
}

func genCerts(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(env.proxyBin, append([]string{"gen-certs"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("gen-certs %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestCertRenewal: re-running gen-certs on a directory with a CA re-issues
// the server and client certificates from that CA (the old code refused,
// and the only way out was a new CA, which breaks every client); after a
// SIGHUP the proxy serves the new certificate and clients holding the old
// one keep working. -client issues a named client certificate whose name
// is the client's identity in the log. The expiry gauges and the 30-day
// warning tell an operator when to do this.
func TestCertRenewal(t *testing.T) {
	need(t)
	dir := filepath.Join(t.TempDir(), "certs")
	genCerts(t, "-dir", dir, "-hosts", "127.0.0.1,localhost", "-days", "20")
	oldClient := t.TempDir()
	for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(oldClient, f), b, 0o600)
	}
	ca, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	oldServer, _ := os.ReadFile(filepath.Join(dir, "server-cert.pem"))

	p := startProxyWith(t, env.daemon, false, "-tls-dir", dir)
	certCLI(t, p.addr, oldClient).must(t, "version")
	for _, cert := range []string{"server", "client_ca"} {
		left := p.metric(t, `dockerproxy_cert_expiry_seconds{cert="`+cert+`"}`)
		if left < 19*86400 || left > 20*86400 {
			t.Errorf("cert_expiry_seconds{%s} = %v, want about 20 days", cert, left)
		}
		if l := logLines(p.log.String(), "level=WARN", "certificate expires soon", "cert="+cert); len(l) != 1 {
			t.Errorf("want one WARN that the %s certificate expires within 30 days:\n%s", cert, p.log.String())
		}
	}

	out := genCerts(t, "-dir", dir, "-hosts", "127.0.0.1,localhost", "-days", "10")
	if !strings.Contains(out, "re-issued") {
		t.Errorf("gen-certs on an existing CA: %s", out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "ca.pem")); !bytes.Equal(b, ca) {
		t.Fatal("gen-certs replaced the CA")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "server-cert.pem")); bytes.Equal(b, oldServer) {
		t.Fatal("gen-certs did not re-issue the server certificate")
	}
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	if !waitFor(5*time.Second, func() bool { return len(logLines(p.log.String(), "certificates reloaded")) == 1 }) {
		t.Fatalf("no reload:\n%s", p.log.String())
	}
	if left := p.metric(t, `dockerproxy_cert_expiry_seconds{cert="server"}`); left > 10*86400 {
		t.Errorf("after the reload the gauge says %v s, want the new certificate's 10 days", left)
	}
	// Old and new client certificates both work: same CA.
	certCLI(t, p.addr, oldClient).must(t, "ps")
	certCLI(t, p.addr, dir).must(t, "ps")

	out = genCerts(t, "-dir", dir, "-client", "alice")
	alice := filepath.Join(dir, "clients", "alice")
	if !strings.Contains(out, alice) {
		t.Errorf("gen-certs -client output lacks the directory: %s", out)
	}
	certCLI(t, p.addr, alice).must(t, "ps")
	if l := p.waitLog(1, "msg=request", "/containers/json", "client=alice"); len(l) != 1 {
		t.Errorf("want one request record naming client=alice:\n%s", p.log.String())
	}
	if l := p.waitLog(2, "msg=request", "/containers/json", `client="dockerproxy client"`); len(l) != 2 {
		t.Errorf("want two request records naming the default client:\n%s", p.log.String())
	}
}

// TestPlainHTTPToTLSPort: the docker CLI without TLS against the TLS port
// gets the message dockerd and net/http give ("Client sent an HTTP
// request to an HTTPS server."); the old proxy closed the connection and
// logged at DEBUG only. Failed handshakes are logged at WARN, a few per
// period, and counted.
func TestPlainHTTPToTLSPort(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon)
	out, err := plainCLI(t, "tcp://"+p.addr).run(t, "version")
	if err == nil || !strings.Contains(out, "Client sent an HTTP request to an HTTPS server.") {
		t.Errorf("docker version over plain HTTP to the TLS port: %v\n%s", err, out)
	}
	for i := 0; i < 20; i++ {
		c, err := net.Dial("tcp", p.addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("\x16\x03\x01\x00\x05hello")) // a broken ClientHello
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		c.Read(make([]byte, 64))
		c.Close()
	}
	var failures float64
	waitFor(5*time.Second, func() bool {
		failures = p.metric(t, "dockerproxy_tls_handshake_failures_total")
		return failures >= 21
	})
	if failures < 21 {
		t.Errorf("tls_handshake_failures_total = %v, want at least 21", failures)
	}
	warns := p.waitLog(1, "level=WARN", "TLS handshake failed")
	if len(warns) < 1 || len(warns) > 5 {
		t.Errorf("%d WARN records for %v failed handshakes in a few seconds, want 1 to 5 (rate-limited):\n%s", len(warns), failures, p.log.String())
	}
	if l := p.waitLog(1, "TLS handshake failed", "plain HTTP"); len(l) == 0 {
		t.Errorf("the plain HTTP handshake is not named in the log:\n%s", p.log.String())
	}
}
