package config_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRefusesOpenNonLoopback(t *testing.T) {
	_, err := config.Parse([]string{"-listen", "0.0.0.0:2376"}, env(nil), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "refusing to listen") {
		t.Fatalf("err = %v, want refusal", err)
	}
	dir := t.TempDir()
	for _, f := range []string{"c.pem", "k.pem"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o600)
	}
	_, err = config.Parse([]string{"-listen", ":2376", "-tls-cert", filepath.Join(dir, "c.pem"), "-tls-key", filepath.Join(dir, "k.pem")}, env(nil), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "without client authentication") {
		t.Fatalf("err = %v, want refusal without client auth", err)
	}
	tok := filepath.Join(dir, "token")
	os.WriteFile(tok, []byte("0123456789abcdef0123\n"), 0o600)
	c, err := config.Parse([]string{"-listen", ":2376", "-tls-cert", "c", "-tls-key", "k", "-token-file", tok}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Token != "0123456789abcdef0123" {
		t.Fatalf("token %q", c.Token)
	}
}

func TestEnvAndFlags(t *testing.T) {
	c, err := config.Parse([]string{"-idle-bulk", "3s"}, env(map[string]string{
		"DOCKERPROXY_IDLE_BULK":     "7s",
		"DOCKERPROXY_IDLE_PROGRESS": "4s",
		"DOCKERPROXY_ALLOW":         "GET /info; GET /containers/*/json",
		"DOCKERPROXY_TLS_DIR":       "/certs",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.Bulk != 3*time.Second || c.Limits.Progress != 4*time.Second {
		t.Errorf("limits %+v", c.Limits)
	}
	if c.Policy.String() != "allowlist" || !c.Policy.Allow("GET", "/v1.41/containers/x/json") || c.Policy.Allow("POST", "/info") {
		t.Errorf("policy %v", c.Policy)
	}
	if c.TLSClientCA != "/certs/ca.pem" || c.TLSCert != "/certs/server-cert.pem" {
		t.Errorf("tls files %q %q", c.TLSClientCA, c.TLSCert)
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:1": true, "[::1]:1": true, "localhost:1": true,
		":1": false, "0.0.0.0:1": false, "10.0.0.1:1": false, "example.org:1": false,
	} {
		if got, _ := config.IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v", addr, got)
		}
	}
}

// TestDefaultPolicy: without -policy the proxy applies full, which keeps
// the body rules; -allow alone is an allowlist of its rules.
func TestDefaultPolicy(t *testing.T) {
	c, err := config.Parse(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Policy.String() != "full" {
		t.Errorf("default policy %v, want full", c.Policy)
	}
	c, err = config.Parse([]string{"-policy", "full", "-allow", "GET /debug/vars"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Policy.String() != "full" || !c.Policy.Allow("GET", "/debug/vars") {
		t.Errorf("full extended by -allow: %v", c.Policy)
	}
}
