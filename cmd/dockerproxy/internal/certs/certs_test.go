package certs_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/certs"
)

// TestHandshake generates certificates and checks a real TLS handshake over
// loopback: with the client certificate it succeeds, without it fails.
func TestHandshake(t *testing.T) {
	dir := t.TempDir()
	if err := certs.Generate(dir, []string{"127.0.0.1", "localhost"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := certs.Generate(dir, []string{"127.0.0.1"}, time.Hour); err == nil {
		t.Fatal("second Generate into the same directory succeeded, want refusal")
	}
	if fi, err := os.Stat(filepath.Join(dir, certs.ClientKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("client key mode: %v %v", fi.Mode(), err)
	}
	srvCfg, err := certs.ServerConfig(filepath.Join(dir, certs.ServerCertFile), filepath.Join(dir, certs.ServerKeyFile), filepath.Join(dir, certs.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", srvCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.(*tls.Conn).Handshake()
				_, _ = c.Write([]byte("ok"))
			}()
		}
	}()
	caPEM, _ := os.ReadFile(filepath.Join(dir, certs.CAFile))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cli, err := tls.LoadX509KeyPair(filepath.Join(dir, certs.ClientCertFile), filepath.Join(dir, certs.ClientKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	dial := func(withCert bool) error {
		cfg := &tls.Config{RootCAs: pool}
		if withCert {
			cfg.Certificates = []tls.Certificate{cli}
		}
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(), cfg)
		if err != nil {
			return err
		}
		defer c.Close()
		buf := make([]byte, 2)
		_, err = c.Read(buf)
		return err
	}
	if err := dial(true); err != nil {
		t.Fatalf("with client certificate: %v", err)
	}
	if err := dial(false); err == nil {
		t.Fatal("without client certificate: handshake succeeded, want failure")
	}
}
