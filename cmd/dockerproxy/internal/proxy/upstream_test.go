package proxy_test

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/certs"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/proxy"
)

func TestParseUpstream(t *testing.T) {
	tlsCfg := &tls.Config{}
	for _, c := range []struct {
		in      string
		tls     *tls.Config
		url     string
		addr    string
		wantErr string
	}{
		{in: "unix:///var/run/docker.sock", url: "unix:///var/run/docker.sock", addr: "unix:///var/run/docker.sock"},
		{in: "/run/docker.sock", url: "unix:///run/docker.sock", addr: "unix:///run/docker.sock"},
		{in: "tcp://10.0.0.1:2375", url: "http://10.0.0.1:2375", addr: "tcp://10.0.0.1:2375"},
		{in: "http://dockerd:2375", url: "http://dockerd:2375", addr: "tcp://dockerd:2375"},
		{in: "tcp://10.0.0.1:2376", tls: tlsCfg, url: "https://10.0.0.1:2376", addr: "https://10.0.0.1:2376"},
		{in: "https://dockerd:2376", url: "https://dockerd:2376", addr: "https://dockerd:2376"},
		{in: "https://dockerd:2376", tls: tlsCfg, url: "https://dockerd:2376", addr: "https://dockerd:2376"},
		{in: "unix:///var/run/docker.sock", tls: tlsCfg, wantErr: "TLS settings need a tcp:// or https:// upstream"},
		{in: "http://dockerd:2375", tls: tlsCfg, wantErr: "TLS settings with an http:// upstream"},
		{in: "tcp://dockerd", wantErr: "missing port"},
		{in: "unix://", wantErr: "empty socket path"},
		{in: "dockerd:2375", wantErr: "want unix:///path"},
	} {
		up, err := proxy.ParseUpstream(c.in, c.tls)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseUpstream(%q, tls=%v): %v, want error %q", c.in, c.tls != nil, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseUpstream(%q, tls=%v): %v", c.in, c.tls != nil, err)
			continue
		}
		if up.URL.String() != c.url || up.Addr != c.addr || (up.TLS != nil) != strings.HasPrefix(c.url, "https") {
			t.Errorf("ParseUpstream(%q, tls=%v) = %s, %s, TLS %v; want %s, %s", c.in, c.tls != nil, up.URL, up.Addr, up.TLS != nil, c.url, c.addr)
		}
	}
}

// TestTLSUpstream: a daemon that requires client certificates on its TLS
// listener (dockerd --tlsverify) is reached through every path of the
// proxy: short requests, request bodies and upgrades. Without the client
// certificate the proxy answers a Docker-style 502.
func TestTLSUpstream(t *testing.T) {
	dir := t.TempDir()
	if err := certs.Generate(dir, []string{"127.0.0.1"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	serverCfg, err := certs.ServerConfig(filepath.Join(dir, certs.ServerCertFile), filepath.Join(dir, certs.ServerKeyFile), filepath.Join(dir, certs.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{}
	daemonSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "no client certificate", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost && r.Header.Get("Upgrade") == "" {
			b, _ := io.ReadAll(r.Body)
			io.WriteString(w, "got "+string(b))
			return
		}
		d.ServeHTTP(w, r)
	}))
	daemonSrv.TLS = serverCfg
	daemonSrv.StartTLS()
	t.Cleanup(daemonSrv.Close)
	addr := strings.TrimPrefix(daemonSrv.URL, "https://")

	clientCfg, err := certs.ClientConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	url := serveProxy(t, "tcp://"+addr, clientCfg, proxy.Options{}).URL

	for range 3 {
		if res, body := get(t, "GET", url+"/_ping"); res.StatusCode != 200 || body != "OK" {
			t.Fatalf("GET /_ping: %s %q", res.Status, body)
		}
	}
	res, err := http.Post(url+"/v1.41/images/load", "application/x-tar", strings.NewReader("tar"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "got tar" {
		t.Fatalf("POST with body: %s %q", res.Status, b)
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "POST /v1.41/containers/x/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
	br := bufio.NewReader(conn)
	up, err := http.ReadResponse(br, nil)
	if err != nil || up.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade over the TLS upstream: %v, %v", up, err)
	}
	io.WriteString(conn, "hello\n")
	if line, err := br.ReadString('\n'); line != "hello\n" {
		t.Fatalf("echo over the TLS upstream: %q, %v", line, err)
	}

	// The CA alone: the daemon refuses the handshake, the client learns why.
	onlyCA := t.TempDir()
	ca, _ := os.ReadFile(filepath.Join(dir, certs.CAFile))
	os.WriteFile(filepath.Join(onlyCA, certs.CAFile), ca, 0o644)
	noCert, err := certs.ClientConfig(onlyCA)
	if err != nil {
		t.Fatal(err)
	}
	res, body := get(t, "GET", serveProxy(t, "tcp://"+addr, noCert, proxy.Options{}).URL+"/_ping")
	if res.StatusCode != http.StatusBadGateway || !strings.Contains(message(t, body), "cannot reach the Docker daemon") {
		t.Errorf("without a client certificate: %s %q", res.Status, body)
	}
}
