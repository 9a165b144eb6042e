package app_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/app"
)

func noEnv(string) string { return "" }

// TestHelp: -h names the subcommands and, for every flag, its environment
// variable.
func TestHelp(t *testing.T) {
	var out bytes.Buffer
	if err := app.Main(context.Background(), []string{"-h"}, noEnv, &out); err != nil {
		t.Fatal(err)
	}
	help := out.String()
	for _, want := range []string{"gen-certs", "-version", "-limit-idle", "-max-streams-per-client", "-allow-origin"} {
		if !strings.Contains(help, want) {
			t.Errorf("-h lacks %s:\n%s", want, help)
		}
	}
	flags := regexp.MustCompile(`(?m)^  -([a-z-]+)(.*)$`).FindAllStringSubmatch(help, -1)
	if len(flags) < 20 {
		t.Fatalf("-h lists %d flags:\n%s", len(flags), help)
	}
	for _, f := range flags {
		env := "$DOCKERPROXY_" + strings.ToUpper(strings.ReplaceAll(f[1], "-", "_"))
		if !strings.Contains(f[2], env) {
			t.Errorf("-%s: no %s in %q", f[1], env, f[0])
		}
		if strings.HasPrefix(f[1], "idle-") {
			t.Errorf("-h lists the alias -%s", f[1])
		}
	}
	out.Reset()
	if err := app.Main(context.Background(), []string{"gen-certs", "-h"}, noEnv, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "re-issues") || !strings.Contains(out.String(), "-client") {
		t.Errorf("gen-certs -h does not explain renewal and -client:\n%s", out.String())
	}
}

// TestVersion: -version prints the module and the Go version, and nothing
// else runs (no listener, no certificates needed).
func TestVersion(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	err = app.Main(context.Background(), []string{"-version", "-listen", "0.0.0.0:1"}, noEnv, io.Discard)
	os.Stdout = stdout
	w.Close()
	b, _ := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^dockerproxy github.com/streamvet/streamvet \S+ .*go1\.\d+`).Match(b) {
		t.Errorf("-version printed %q", b)
	}
}

// TestAdminNotOnDockerdMetricsPort: 9323 is dockerd's metrics port.
func TestAdminNotOnDockerdMetricsPort(t *testing.T) {
	// Bounded: a proxy that accepted the port would serve until ctx ends.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := app.Main(ctx, []string{"-listen", "127.0.0.1:0", "-admin-listen", "127.0.0.1:9323"}, noEnv, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "9323") {
		t.Fatalf("err = %v, want a refusal naming 9323", err)
	}
}

// TestTokenFileReadableByOthers: a token file that group or others can
// read gets a WARN at start; a private one does not.
func TestTokenFileReadableByOthers(t *testing.T) {
	for mode, warn := range map[os.FileMode]bool{0o644: true, 0o640: true, 0o600: false} {
		file := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(file, []byte("0123456789abcdef0123\n"), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(file, mode) // whatever the umask
		ctx, cancel := context.WithCancel(context.Background())
		cancel()              // start, log, and stop at once
		var logs lockedBuffer // net/http runs shutdown hooks, which log, on goroutines of their own
		if err := app.Main(ctx, []string{"-listen", "127.0.0.1:0", "-token-file", file, "-upstream", "unix:///nonexistent.sock"}, noEnv, &logs); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(logs.String(), "token file is readable by group or others"); got != warn {
			t.Errorf("mode %v: WARN %v, want %v:\n%s", mode, got, warn, logs.String())
		}
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

// TestGenCertsClientEnv: the client line gen-certs prints is the whole
// docker CLI environment, DOCKER_HOST included, and works from any
// directory.
func TestGenCertsClientEnv(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	for _, tc := range []struct {
		args     []string
		host     string
		certPath string
	}{
		{[]string{"-dir", dir, "-hosts", "proxy.example,10.0.0.1"}, "tcp://proxy.example:2376", dir},
		{[]string{"-dir", dir, "-client", "alice", "-hosts", "::1"}, "tcp://[::1]:2376", filepath.Join(dir, "clients", "alice")},
	} {
		var out bytes.Buffer
		if err := app.Main(context.Background(), append([]string{"gen-certs"}, tc.args...), noEnv, &out); err != nil {
			t.Fatal(err)
		}
		var env map[string]string
		for _, line := range strings.Split(out.String(), "\n") {
			if rest, ok := strings.CutPrefix(line, "client: "); ok {
				env = make(map[string]string)
				for _, kv := range strings.Fields(rest) {
					k, v, _ := strings.Cut(kv, "=")
					env[k] = v
				}
			}
		}
		if env["DOCKER_HOST"] != tc.host || env["DOCKER_TLS_VERIFY"] != "1" || env["DOCKER_CERT_PATH"] != tc.certPath {
			t.Errorf("gen-certs %v printed client settings %v, want DOCKER_HOST=%s DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=%s\n%s", tc.args, env, tc.host, tc.certPath, out.String())
		}
		for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
			if _, err := os.Stat(filepath.Join(env["DOCKER_CERT_PATH"], f)); err != nil {
				t.Errorf("DOCKER_CERT_PATH lacks %s: %v", f, err)
			}
		}
	}
}
