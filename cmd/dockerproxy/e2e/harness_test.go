// Package e2e tests dockerproxy end to end against a real dockerd, a real
// registry and the real docker CLI, all on loopback in temporary
// directories. Nothing is pulled from the internet: the base image is made
// from busybox-static.
//
// Needs (Debian): docker.io docker-registry busybox-static, and root to run
// dockerd. Without them the tests skip locally; with CI=true they fail.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const installHint = "install with: apt-get install -y docker.io docker-registry busybox-static (and run as root)"

// Sizes of the generated data. The image layer is one random file, so
// nothing compresses it away.
const (
	bigSize   = 400 << 20
	buildSize = 200 << 20
)

// env is shared by every test in the binary: one dockerd, the proxy
// binary, certificates and the 400 MB test image.
var env struct {
	skip     string // why the tests cannot run; empty when they can
	root     string // temporary directory for everything
	proxyBin string
	certs    string // gen-certs output: ca.pem, cert.pem, key.pem, server-*.pem
	daemon   *daemon
	bigCtx   string // build context: Dockerfile + big.bin (400 MB)
}

const bigImage = "e2e/big:1"

func TestMain(m *testing.M) {
	flag.Parse()
	code := func() int {
		if err := setup(); err != nil {
			env.skip = err.Error()
			fmt.Fprintln(os.Stderr, "e2e:", env.skip)
		}
		defer teardown()
		return m.Run()
	}()
	os.Exit(code)
}

// need stops t when the environment is missing: a skip locally, a
// failure under CI=true, where a missing binary is a broken setup.
func need(t *testing.T) {
	t.Helper()
	if env.skip == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("e2e environment not available under CI=true: %s", env.skip)
	}
	t.Skip(env.skip)
}

func setup() error {
	if testing.Short() && os.Getenv("CI") != "true" {
		return fmt.Errorf("skipped in -short mode")
	}
	for _, bin := range []string{"dockerd", "docker", "docker-registry"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s not found; %s", bin, installHint)
		}
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		return fmt.Errorf("/bin/busybox not found; %s", installHint)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("dockerd needs root; %s", installHint)
	}
	var err error
	// Short path: unix socket paths are limited to 108 bytes.
	if env.root, err = os.MkdirTemp("", "dpe2e"); err != nil {
		return err
	}
	env.proxyBin = filepath.Join(env.root, "dockerproxy")
	build := exec.Command("go", "build", "-o", env.proxyBin, "github.com/streamvet/streamvet/cmd/dockerproxy")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build dockerproxy: %v\n%s", err, out)
	}
	env.certs = filepath.Join(env.root, "certs")
	if out, err := exec.Command(env.proxyBin, "gen-certs", "-dir", env.certs, "-hosts", "127.0.0.1,localhost").CombinedOutput(); err != nil {
		return fmt.Errorf("gen-certs: %v\n%s", err, out)
	}
	env.bigCtx = filepath.Join(env.root, "bigctx")
	if err := writeRandom(filepath.Join(env.bigCtx, "big.bin"), bigSize); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(env.bigCtx, "Dockerfile"), []byte("FROM busybox:local\nCOPY big.bin /\n"), 0o644); err != nil {
		return err
	}
	d, err := startDaemon("main")
	if err != nil {
		return err
	}
	env.daemon = d
	if err := d.prepare(); err != nil {
		return err
	}
	return nil
}

func teardown() {
	if env.daemon != nil {
		env.daemon.stop()
	}
	if env.root != "" && os.Getenv("E2E_KEEP") == "" {
		_ = os.RemoveAll(env.root)
	}
}

// writeRandom writes n random bytes to name, creating its directory.
func writeRandom(name string, n int64) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, rand.Reader, n); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// daemon is a dockerd with its own data, exec root and socket.
type daemon struct {
	name string
	dir  string
	sock string
	// tlsAddr is dockerd's own TLS listener (client certificates from
	// env.certs): the direct path a remote client would otherwise use.
	tlsAddr string
	cmd     *exec.Cmd
	log     *syncBuffer
	done    chan struct{}
}

func startDaemon(name string) (*daemon, error) {
	dir, err := os.MkdirTemp(env.root, "d-"+name)
	if err != nil {
		return nil, err
	}
	d := &daemon{name: name, dir: dir, sock: filepath.Join(dir, "docker.sock"), log: &syncBuffer{}, done: make(chan struct{})}
	logf, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d.tlsAddr = ln.Addr().String()
	ln.Close()
	d.cmd = exec.Command("dockerd",
		"--host", "unix://"+d.sock,
		"--host", "tcp://"+d.tlsAddr, "--tlsverify",
		"--tlscacert", filepath.Join(env.certs, "ca.pem"),
		"--tlscert", filepath.Join(env.certs, "server-cert.pem"),
		"--tlskey", filepath.Join(env.certs, "server-key.pem"),
		"--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"),
		"--iptables=false", "--bridge=none", "--ip-masq=false",
		// Debug: dockerd logs "Calling METHOD URI" for every request its
		// router routes, which is how the policy tests see what reached it.
		"--log-level=debug",
	)
	d.cmd.Stdout = io.MultiWriter(logf, d.log)
	d.cmd.Stderr = d.cmd.Stdout
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dockerd: %v", err)
	}
	go func() { _ = d.cmd.Wait(); logf.Close(); close(d.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if out, err := d.docker("version", "--format", "{{.Server.Version}}"); err == nil {
			_ = out
			return d, nil
		}
		select {
		case <-d.done:
			return nil, fmt.Errorf("dockerd %s exited:\n%s", name, d.log.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.stop()
			return nil, fmt.Errorf("dockerd %s did not answer within 60s:\n%s", name, d.log.String())
		}
	}
}

// prepare imports busybox:local from the busybox-static binary and builds
// the 400 MB test image.
func (d *daemon) prepare() error {
	rootfs := filepath.Join(d.dir, "rootfs")
	if err := os.MkdirAll(filepath.Join(rootfs, "bin"), 0o755); err != nil {
		return err
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), bb, 0o755); err != nil {
		return err
	}
	list, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %v", err)
	}
	for _, applet := range strings.Fields(string(list)) {
		if applet == "busybox" {
			continue // a symlink to itself would replace the binary
		}
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", applet)); err != nil {
			return err
		}
	}
	tar := exec.Command("tar", "-C", rootfs, "-c", ".")
	imp := exec.Command("docker", "-H", "unix://"+d.sock, "import", "-", "busybox:local")
	imp.Env = append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(d.dir, "cli"))
	pipe, err := tar.StdoutPipe()
	if err != nil {
		return err
	}
	imp.Stdin = pipe
	var impOut bytes.Buffer
	imp.Stdout, imp.Stderr = &impOut, &impOut
	if err := tar.Start(); err != nil {
		return err
	}
	if err := imp.Run(); err != nil {
		return fmt.Errorf("docker import: %v\n%s", err, impOut.String())
	}
	if err := tar.Wait(); err != nil {
		return err
	}
	if out, err := d.docker("build", "-q", "-t", bigImage, env.bigCtx); err != nil {
		return fmt.Errorf("build %s: %v\n%s", bigImage, err, out)
	}
	return nil
}

// docker runs the docker CLI against the daemon's socket directly.
func (d *daemon) docker(args ...string) (string, error) {
	c := exec.Command("docker", append([]string{"-H", "unix://" + d.sock}, args...)...)
	c.Env = append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(d.dir, "cli"), "DOCKER_BUILDKIT=0")
	out, err := c.CombinedOutput()
	return string(out), err
}

// kill stops dockerd hard (SIGKILL), as a crash would, and its containerd.
func (d *daemon) kill() {
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.done
	d.killContainerd()
}

func (d *daemon) killContainerd() {
	b, err := os.ReadFile(filepath.Join(d.dir, "exec", "containerd", "containerd.pid"))
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// unmount detaches every mount under the daemon's directory. A dockerd
// killed mid-push leaves its data-root bind mount and overlay mounts.
func (d *daemon) unmount() {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == d.dir || strings.HasPrefix(f[4], d.dir+"/")) {
			points = append(points, f[4])
		}
	}
	// Deepest first.
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	for _, p := range points {
		_ = syscall.Unmount(p, syscall.MNT_DETACH)
	}
}

// stop removes containers and stops dockerd with SIGTERM.
func (d *daemon) stop() {
	select {
	case <-d.done:
		d.killContainerd()
		d.unmount()
		return
	default:
	}
	if ids, err := d.docker("ps", "-aq"); err == nil && strings.TrimSpace(ids) != "" {
		_, _ = d.docker(append([]string{"rm", "-f"}, strings.Fields(ids)...)...)
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(20 * time.Second):
		_ = d.cmd.Process.Signal(syscall.SIGKILL)
		<-d.done
	}
	d.killContainerd()
	d.unmount()
}

// registry is a docker-registry process on 127.0.0.1 with its own storage.
type registry struct {
	addr string
	cmd  *exec.Cmd
	log  *syncBuffer
}

func startRegistry(t *testing.T) *registry {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &registry{addr: addr, log: &syncBuffer{}}
	r.cmd = exec.Command("docker-registry", "serve", filepath.Join(dir, "config.yml"))
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start registry: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		<-done
	})
	waitHTTP(t, "http://"+addr+"/v2/", 20*time.Second)
	return r
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHTTP(t *testing.T, url string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer within %v: %v", url, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// proxyProc is a running dockerproxy binary.
type proxyProc struct {
	addr  string // Docker API listener
	admin string // /healthz and /metrics
	cmd   *exec.Cmd
	log   *syncBuffer
	done  chan struct{}
	err   error // exit status, valid after done
}

// noOwnership is the flag for tests about something else that act, as
// the proxy's client, on containers and images made directly on the
// daemon: those belong to no client with an identity under ownership
// (ownership_test.go), so those tests turn it off.
const noOwnership = "-ownership=false"

// startProxy runs dockerproxy in front of d with TLS and client
// certificates from env.certs, plus extra flags.
func startProxy(t *testing.T, d *daemon, extra ...string) *proxyProc {
	t.Helper()
	return startProxyWith(t, d, true, extra...)
}

// startProxyWith runs dockerproxy in front of d, with TLS and client
// certificates or, on loopback, plain HTTP.
func startProxyWith(t *testing.T, d *daemon, withTLS bool, extra ...string) *proxyProc {
	t.Helper()
	return startProxyCmd(t, d, withTLS, nil, extra...)
}

// startProxyCmd is startProxyWith with the proxy run under wrapper (a
// command that execs its arguments, such as prlimit).
func startProxyCmd(t *testing.T, d *daemon, withTLS bool, wrapper []string, extra ...string) *proxyProc {
	t.Helper()
	// Port 0: the kernel picks each port as the proxy listens, and the
	// startup record names them. A port probed free beforehand may be
	// taken by the time the proxy listens (exit status 2 once in 20 runs
	// under load).
	p := &proxyProc{log: &syncBuffer{}, done: make(chan struct{})}
	args := []string{
		"-listen", "127.0.0.1:0", "-admin-listen", "127.0.0.1:0",
		"-upstream", "unix://" + d.sock,
		"-log-level", "debug",
	}
	if withTLS {
		args = append(args, "-tls-dir", env.certs)
	}
	args = append(args, extra...)
	args = append([]string{env.proxyBin}, args...)
	if len(wrapper) > 0 {
		args = append(wrapper[:len(wrapper):len(wrapper)], args...)
	}
	p.cmd = exec.Command(args[0], args[1:]...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("dockerproxy log:\n%s", p.log.String())
		}
	})
	p.waitReady(t)
	p.addr, p.admin = p.listeningAddrs(t)
	return p
}

// waitReady waits for the proxy's "listening" record, which it writes once
// both listeners are open and its configuration is final. A successful dial
// is not enough: the listener is open before the record is written, and a
// test that reads the startup record right after a dial may find none.
func (p *proxyProc) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !p.ready() {
		select {
		case <-p.done:
			t.Fatalf("dockerproxy exited: %v\n%s", p.err, p.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("dockerproxy did not report listening within 10s:\n%s", p.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listeningAddrs returns the Docker API and admin addresses the startup
// record names, in either log format.
func (p *proxyProc) listeningAddrs(t *testing.T) (api, admin string) {
	t.Helper()
	for _, line := range strings.Split(p.log.String(), "\n") {
		if strings.Contains(line, `"msg":"listening"`) {
			var rec struct{ Addr, Admin string }
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("startup record %q: %v", line, err)
			}
			return rec.Addr, rec.Admin
		}
		if strings.Contains(line, "msg=listening ") {
			for _, f := range strings.Fields(line) {
				if v, ok := strings.CutPrefix(f, "addr="); ok {
					api = v
				}
				if v, ok := strings.CutPrefix(f, "admin="); ok {
					admin = v
				}
			}
			return api, admin
		}
	}
	t.Fatalf("no startup record:\n%s", p.log.String())
	return "", ""
}

// ready reports whether the log holds the startup record, in either log
// format.
func (p *proxyProc) ready() bool {
	log := p.log.String()
	return strings.Contains(log, "msg=listening ") || strings.Contains(log, `"msg":"listening"`)
}

// waitLog waits up to 5 s for at least n lines of the log that contain every
// one of subs, and returns the matching lines then. A record of a request is
// written when its handler returns, which may be after the client has seen
// the whole response: a test must not read the log the moment the client
// is done.
func (p *proxyProc) waitLog(n int, subs ...string) []string {
	var lines []string
	waitFor(5*time.Second, func() bool {
		lines = logLines(p.log.String(), subs...)
		return len(lines) >= n
	})
	return lines
}

// metric returns the value of the first sample of the /metrics line that
// starts with prefix, or -1.
func (p *proxyProc) metric(t *testing.T, prefix string) float64 {
	t.Helper()
	res, err := http.Get("http://" + p.admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, prefix+" ") {
			v, err := strconv.ParseFloat(strings.TrimSpace(line[len(prefix):]), 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	return -1
}

// waitActive waits until the proxy has n requests of class in flight, and
// still has after hold (so that a quick HEAD /_ping does not count).
func (p *proxyProc) waitActive(t *testing.T, class string, n float64, hold time.Duration) {
	t.Helper()
	metric := fmt.Sprintf("dockerproxy_active_streams{class=%q}", class)
	ok := waitFor(20*time.Second, func() bool {
		if p.metric(t, metric) != n {
			return false
		}
		time.Sleep(hold)
		return p.metric(t, metric) == n
	})
	if !ok {
		t.Fatalf("%s did not reach %v", metric, n)
	}
}

// cli is a docker CLI configuration: DOCKER_HOST, TLS settings and a
// private DOCKER_CONFIG.
type cli struct {
	env []string
	dir string
}

// tlsCLI points the docker CLI at a TLS endpoint with the client
// certificates from env.certs.
func tlsCLI(t *testing.T, addr string) *cli {
	t.Helper()
	dir := t.TempDir()
	return &cli{dir: dir, env: []string{
		"DOCKER_HOST=tcp://" + addr,
		"DOCKER_TLS_VERIFY=1",
		"DOCKER_CERT_PATH=" + env.certs,
		"DOCKER_CONFIG=" + dir,
		"DOCKER_BUILDKIT=0",
	}}
}

// plainCLI points the docker CLI at a plain HTTP endpoint or a unix socket.
func plainCLI(t *testing.T, host string) *cli {
	t.Helper()
	dir := t.TempDir()
	return &cli{dir: dir, env: []string{"DOCKER_HOST=" + host, "DOCKER_CONFIG=" + dir, "DOCKER_BUILDKIT=0", "DOCKER_TLS_VERIFY=", "DOCKER_CERT_PATH="}}
}

// setHeaders writes config.json with HttpHeaders, as a user would to send
// a bearer token.
func (c *cli) setHeaders(t *testing.T, h map[string]string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"HttpHeaders":{`)
	first := true
	for k, v := range h {
		if !first {
			b.WriteString(",")
		}
		first = false
		fmt.Fprintf(&b, "%q:%q", k, v)
	}
	b.WriteString("}}")
	if err := os.WriteFile(filepath.Join(c.dir, "config.json"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (c *cli) cmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = append(os.Environ(), c.env...)
	return cmd
}

// run runs the CLI and returns its combined output.
func (c *cli) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := c.cmd(ctx, args...).CombinedOutput()
	return string(out), err
}

// must runs the CLI and fails t on error.
func (c *cli) must(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.run(t, args...)
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// timed runs the CLI and returns how long it took.
func (c *cli) timed(t *testing.T, args ...string) (time.Duration, string, error) {
	t.Helper()
	start := time.Now()
	out, err := c.run(t, args...)
	return time.Since(start), out, err
}

// syncBuffer is a bytes.Buffer safe for concurrent writers and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond every 50 ms until it holds or within passes.
func waitFor(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logLines returns the lines of log that contain every one of subs.
func logLines(log string, subs ...string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		ok := true
		for _, s := range subs {
			if !strings.Contains(l, s) {
				ok = false
				break
			}
		}
		if ok && l != "" {
			out = append(out, l)
		}
	}
	return out
}
