package proxy_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/app"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/certs"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/proxy"
	"github.com/streamvet/streamvet/runtime/streamsafe"
)

// BenchmarkIdleStream measures what one idle GET /events stream costs a
// proxy: b.N streams are opened through the proxy, each on a connection of
// its own, and the live heap, goroutine stacks and goroutines are compared
// with b.N streams opened directly to the same daemon-like server in the
// same run (client and daemon cost the same on both, so the difference is
// the proxy's). Run it with a fixed count:
//
//	go test -run '^$' -bench IdleStream -benchtime 1000x ./cmd/dockerproxy/internal/proxy/
//
// The resident memory of a proxy in a process of its own, against nginx
// and HAProxy, is measured by ../../bench/run.sh.
func BenchmarkIdleStream(b *testing.B) {
	raiseFileLimit(b)
	sock := filepath.Join(b.TempDir(), "d.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	daemon := &http.Server{Handler: http.HandlerFunc(idleDaemon)}
	go daemon.Serve(ln)
	b.Cleanup(func() { daemon.Close() })
	dialSocket := func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}
	direct := "unix:" + sock
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))

	b.Run("httputil", func(b *testing.B) {
		rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "docker"})
		rp.Transport = &http.Transport{DialContext: dialSocket}
		benchIdle(b, direct, serve(b, rp), "")
	})
	b.Run("handler", func(b *testing.B) {
		up, err := proxy.ParseUpstream("unix://"+sock, nil)
		if err != nil {
			b.Fatal(err)
		}
		h := proxy.New(proxy.Options{Upstream: up, Limits: proxy.DefaultLimits, Logger: log})
		benchIdle(b, direct, serve(b, streamsafe.Recover(h, log)), "")
	})
	for _, withTLS := range []bool{false, true} {
		name := "app"
		if withTLS {
			name = "app_mTLS"
		}
		b.Run(name, func(b *testing.B) {
			addr, certDir := startApp(b, sock, withTLS)
			scheme := "http://"
			if withTLS {
				scheme = "https://"
			}
			benchIdle(b, direct, scheme+addr, certDir)
		})
	}
}

// idleDaemon answers GET /events as dockerd does when nothing happens: the
// headers, then silence until the client leaves; and /_ping.
func idleDaemon(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_ping" {
		pingHandler(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Server", "Docker/20.10.24+dfsg1 (linux)")
	w.Header().Set("Api-Version", "1.41")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// startApp runs the whole program in this process, with mTLS when withTLS
// is set, and returns its address and the directory of its certificates.
func startApp(b *testing.B, sock string, withTLS bool) (addr, certDir string) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr = l.Addr().String()
	l.Close()
	args := []string{"-listen", addr, "-upstream", "unix://" + sock, "-log-level", "info",
		"-max-connections-per-client", "65536", "-max-streams-per-client", "65536"}
	if withTLS {
		certDir = b.TempDir()
		if err := certs.Generate(certDir, []string{"127.0.0.1"}, time.Hour); err != nil {
			b.Fatal(err)
		}
		args = append(args, "-tls-dir", certDir)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		runErr = app.Main(ctx, args, func(string) string { return "" }, io.Discard)
	}()
	b.Cleanup(func() { cancel(); <-done })
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr, certDir
		}
		select {
		case <-done:
			b.Fatalf("dockerproxy exited: %v", runErr)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// benchIdle opens b.N streams directly and then b.N through the proxy at
// base, and reports the difference per stream. The streams are opened by a
// child process, so that the figures are this process's proxy and daemon
// only: the daemon's cost is the same on both paths.
func benchIdle(b *testing.B, directBase, base, certDir string) {
	b.StopTimer()
	n := b.N
	baseline := openIdle(b, directBase, "", n)
	b.StartTimer()
	via := openIdle(b, base, certDir, n)
	b.StopTimer()
	per := func(a, z uint64) float64 { return (float64(z) - float64(a)) / float64(n) }
	b.ReportMetric(per(baseline.heap, via.heap), "heap-B/stream")
	b.ReportMetric(per(baseline.stack, via.stack), "stack-B/stream")
	b.ReportMetric(per(uint64(baseline.goroutines), uint64(via.goroutines)), "goroutines/stream")
}

type idleCost struct {
	heap, stack uint64
	goroutines  int
}

// idleClientEnv makes the test binary the client of openIdle: "BASE N
// CERTDIR" (CERTDIR "-" for none).
const idleClientEnv = "PROXY_BENCH_IDLE_CLIENT"

func init() {
	v := os.Getenv(idleClientEnv)
	if v == "" {
		return
	}
	f := strings.Fields(v)
	n, _ := strconv.Atoi(f[1])
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(f[0], "unix:") {
			return (&net.Dialer{}).DialContext(ctx, "unix", strings.TrimPrefix(f[0], "unix:"))
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	base := f[0]
	if strings.HasPrefix(base, "unix:") {
		base = "http://docker"
	}
	if f[2] != "-" {
		cfg, err := certs.ClientConfig(f[2])
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		cfg.ServerName = "127.0.0.1"
		tr.TLSClientConfig = cfg
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		rl.Cur = rl.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	for i := range n {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1.41/events", nil)
		res, err := tr.RoundTrip(req)
		if err == nil && res.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s", res.Status)
		}
		if err != nil {
			fmt.Printf("stream %d: %v\n", i, err)
			os.Exit(1)
		}
	}
	fmt.Println("open")
	io.Copy(io.Discard, os.Stdin) // until the benchmark is done measuring
	os.Exit(0)
}

// openIdle has a child process open n GET /events streams to base, each on
// a connection of its own, and returns what this process holds with them
// open beyond what it held before; then it ends the child and waits until
// the streams' goroutines are gone.
func openIdle(b *testing.B, base, certDir string, n int) idleCost {
	before := settled()
	if certDir == "" {
		certDir = "-"
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %s", idleClientEnv, base, n, certDir))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "open\n" {
		stdin.Close()
		cmd.Wait()
		b.Fatalf("client: %q", line)
	}
	time.Sleep(200 * time.Millisecond) // let the proxy's goroutines park
	open := settled()
	stdin.Close()
	cmd.Wait()
	for end := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > before.goroutines+10 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	return idleCost{
		heap:       open.heap - min(open.heap, before.heap),
		stack:      open.stack - min(open.stack, before.stack),
		goroutines: open.goroutines - before.goroutines,
	}
}

// settled returns the live heap and stacks after two collections (the
// second frees what the first's finalizers released, and shrinks stacks).
func settled() idleCost {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return idleCost{heap: ms.HeapAlloc, stack: ms.StackInuse, goroutines: runtime.NumGoroutine()}
}

func raiseFileLimit(b *testing.B) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			b.Log(fmt.Sprintf("raising the open file limit: %v", err))
		}
	}
}
