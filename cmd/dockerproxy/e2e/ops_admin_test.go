package e2e

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAdminOffLoopback: /metrics and /healthz on an address other clients
// can reach get the Docker API's rule: TLS with the same client
// certificates. The old proxy served them there over plain HTTP to anyone.
func TestAdminOffLoopback(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon, "-admin-listen", "0.0.0.0:0")
	_, port, _ := net.SplitHostPort(p.admin)
	admin := "127.0.0.1:" + port
	get := func(c *http.Client, url string) (int, string, error) {
		res, err := c.Get(url)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), nil
	}
	if !waitFor(5*time.Second, func() bool {
		c, err := net.Dial("tcp", admin)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		t.Fatal("admin listener not up")
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	if code, body, err := get(plain, "http://"+admin+"/metrics"); err == nil && strings.Contains(body, "dockerproxy_") {
		t.Fatalf("plain HTTP /metrics off loopback answered %d with metrics", code)
	}
	noCert := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: clientTLS(t, false)}}
	if _, body, err := get(noCert, "https://"+admin+"/metrics"); err == nil {
		t.Fatalf("TLS without a client certificate got /metrics: %.80s", body)
	}
	withCert := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: clientTLS(t, true)}}
	code, body, err := get(withCert, "https://"+admin+"/metrics")
	if err != nil || code != 200 || !strings.Contains(body, "dockerproxy_connections") {
		t.Fatalf("/metrics with a client certificate: %d %v %.80s", code, err, body)
	}
	if code, body, err := get(withCert, "https://"+admin+"/healthz"); err != nil || code != 200 {
		t.Errorf("/healthz with a client certificate: %d %v %s", code, err, body)
	}
}
