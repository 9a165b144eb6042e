package config_test

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/config"
)

// TestLocalhostMustResolveToLoopback: "localhost" that resolves to a LAN
// address is not loopback, so plain HTTP without authentication is
// refused on it; the old check trusted the name and served it.
func TestLocalhostMustResolveToLoopback(t *testing.T) {
	defer config.SetLookupIP(func(host string) ([]net.IP, error) {
		if host == "localhost" {
			return []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("192.0.2.7")}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	})()
	_, err := config.Parse([]string{"-listen", "localhost:2376"}, env(nil), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "refusing to listen") {
		t.Fatalf("localhost resolving to 192.0.2.7: err = %v, want refusal", err)
	}
	_, err = config.Parse([]string{"-admin-listen", "localhost:9324"}, env(nil), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "refusing to serve /metrics") {
		t.Fatalf("admin on localhost resolving to 192.0.2.7: err = %v, want refusal", err)
	}
}

// TestListenResolvedOnce: the proxy listens on the address it checked, not
// on whatever the name resolves to later.
func TestListenResolvedOnce(t *testing.T) {
	defer config.SetLookupIP(func(string) ([]net.IP, error) {
		return []net.IP{net.ParseIP("::1"), net.ParseIP("127.0.0.1")}, nil
	})()
	c, err := config.Parse([]string{"-listen", "localhost:2376", "-admin-listen", "localhost:9324"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:2376" || c.AdminListen != "127.0.0.1:9324" || c.AdminTLS {
		t.Errorf("listen %q, admin %q (TLS %v); want 127.0.0.1 for both, plain", c.Listen, c.AdminListen, c.AdminTLS)
	}
}

// TestAdminOffLoopbackNeedsAuth: /metrics and /healthz get the main
// listener's rule (the old code served them on any address without auth).
func TestAdminOffLoopbackNeedsAuth(t *testing.T) {
	_, err := config.Parse([]string{"-admin-listen", "0.0.0.0:9324"}, env(nil), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "refusing to serve /metrics") {
		t.Fatalf("err = %v, want refusal", err)
	}
	dir := t.TempDir()
	tok := filepath.Join(dir, "token")
	os.WriteFile(tok, []byte("0123456789abcdef0123\n"), 0o600)
	c, err := config.Parse([]string{"-admin-listen", "0.0.0.0:9324", "-tls-cert", "c", "-tls-key", "k", "-token-file", tok}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !c.AdminTLS {
		t.Error("admin off loopback is not served with TLS")
	}
}
