package server

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/certs"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/metrics"
)

func tlsConfigs(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	dir := t.TempDir()
	if err := certs.Generate(dir, []string{"127.0.0.1"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	r, err := certs.NewReloader(filepath.Join(dir, certs.ServerCertFile), filepath.Join(dir, certs.ServerKeyFile), filepath.Join(dir, certs.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, certs.ClientCertFile), filepath.Join(dir, certs.ClientKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(filepath.Join(dir, certs.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	return r.Config(), &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: "127.0.0.1"}
}

// TestHandshakeListener: Accept returns only established connections; a
// client that never completes its handshake neither blocks others nor
// stays open past the timeout, and its failure is logged.
func TestHandshakeListener(t *testing.T) {
	serverCfg, clientCfg := tlsConfigs(t)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const timeout = 300 * time.Millisecond
	l := newHandshakeListener(raw, serverCfg, timeout, log, metrics.New())
	defer l.Close()
	addr := raw.Addr().String()

	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	go func() {
		c, err := tls.Dial("tcp", addr, clientCfg)
		if err == nil {
			io.WriteString(c, "hello")
			c.Close()
		}
	}()
	got := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			got <- c
		}
	}()
	select {
	case c := <-got:
		tc, ok := c.(*tls.Conn)
		if !ok {
			t.Fatalf("Accept returned %T, want *tls.Conn (net/http needs it for r.TLS)", c)
		}
		if st := tc.ConnectionState(); !st.HandshakeComplete || len(st.PeerCertificates) == 0 {
			t.Errorf("accepted connection: handshake complete %v, %d client certificates", st.HandshakeComplete, len(st.PeerCertificates))
		}
		b := make([]byte, 5)
		if _, err := io.ReadFull(c, b); err != nil || string(b) != "hello" {
			t.Errorf("read %q, %v", b, err)
		}
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("a client that completed its handshake was not accepted while another stayed silent")
	}

	start := time.Now()
	silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := silent.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("silent client: %v, want the server to close it", err)
	}
	if d := time.Since(start); d > timeout+3*time.Second {
		t.Errorf("silent client closed after %v, want about %v", d, timeout)
	}
	waitLog := time.Now().Add(2 * time.Second)
	for {
		s := logs.String()
		if strings.Contains(s, "TLS handshake failed") {
			break
		}
		if time.Now().After(waitLog) {
			t.Fatalf("no handshake failure logged:\n%s", s)
		}
		time.Sleep(10 * time.Millisecond)
	}

	l.Close()
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
