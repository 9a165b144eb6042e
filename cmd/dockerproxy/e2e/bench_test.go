//go:build bench

package e2e

// The benchmark is not a test: it runs only with -tags bench (see
// ../bench/run.sh) and prints a table. It measures, through each path to
// the same dockerd: 400 MB docker save, docker load and docker push;
// HEAD /_ping latency at 1 and 50 concurrent clients; and memory per idle
// /events stream with 1,000 streams open.

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"
)

// path is one way from the docker CLI to the daemon.
type benchPath struct {
	name   string
	host   string // DOCKER_HOST
	tls    bool
	client *http.Client // for /_ping and /events
	base   string       // URL base for client
	pid    func() []int // processes whose memory counts, nil: not measured
	// like is the direct path with the same transport security, which
	// ratios also compare against (nil: none besides the unix socket).
	like *benchPath
}

func TestBench(t *testing.T) {
	need(t)
	var rl syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	rl.Cur = rl.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	parts := os.Getenv("BENCH_PARTS") // comma-separated: transfer, ping, memory; empty: all
	want := func(part string) bool { return parts == "" || slices.Contains(strings.Split(parts, ","), part) }
	reps := 3
	if v, err := strconv.Atoi(os.Getenv("BENCH_REPS")); err == nil && v > 0 {
		reps = v
	}
	sock := env.daemon.sock
	unixClient := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 100,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}}}
	tcpClient := func() *http.Client {
		return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100, Proxy: nil}}
	}
	tlsClient := func() *http.Client {
		return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100, TLSClientConfig: clientTLS(t, true), ForceAttemptHTTP2: false, TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}}
	}

	paths := []*benchPath{{name: "direct (unix socket)", host: "unix://" + sock, client: unixClient, base: "http://docker"}}
	// dockerd's own TLS listener is what a remote client uses without a
	// proxy: the fair baseline for the mTLS rows.
	direct := &benchPath{name: "direct (dockerd mTLS)", host: "tcp://" + env.daemon.tlsAddr, tls: true, client: tlsClient(), base: "https://" + env.daemon.tlsAddr}
	paths = append(paths, direct)

	// One client here opens 1,000 event streams on top of the ping part's
	// keep-alive connections: above the per-client defaults (1,024).
	limits := []string{"-max-connections-per-client", "4096", "-max-streams-per-client", "4096"}
	dp := startProxyWith(t, env.daemon, false, append([]string{"-log-level", "info"}, limits...)...)
	paths = append(paths, &benchPath{name: "dockerproxy (http)", host: "tcp://" + dp.addr, client: tcpClient(), base: "http://" + dp.addr,
		pid: func() []int { return []int{dp.cmd.Process.Pid} }})
	dpt := startProxy(t, env.daemon, append([]string{"-log-level", "info"}, limits...)...)
	paths = append(paths, &benchPath{name: "dockerproxy (mTLS)", host: "tcp://" + dpt.addr, tls: true, client: tlsClient(), base: "https://" + dpt.addr,
		pid: func() []int { return []int{dpt.cmd.Process.Pid} }})

	plain := startPlainProxy(t, sock)
	paths = append(paths, &benchPath{name: "httputil.ReverseProxy", host: "tcp://" + plain.addr, client: tcpClient(), base: "http://" + plain.addr, pid: plain.pids})

	if ng := startNginx(t, sock, false); ng != nil {
		paths = append(paths, &benchPath{name: "nginx (buffering off)", host: "tcp://" + ng.addr, client: tcpClient(), base: "http://" + ng.addr, pid: ng.pids})
		ngt := startNginx(t, sock, true)
		paths = append(paths, &benchPath{name: "nginx (mTLS)", host: "tcp://" + ngt.addr, tls: true, client: tlsClient(), base: "https://" + ngt.addr, pid: ngt.pids})
	} else {
		t.Log("nginx not installed; apt-get install -y nginx")
	}
	if hp := startHAProxy(t, sock); hp != nil {
		paths = append(paths, &benchPath{name: "HAProxy", host: "tcp://" + hp.addr, client: tcpClient(), base: "http://" + hp.addr, pid: hp.pids})
	} else {
		t.Log("haproxy not installed; apt-get install -y haproxy")
	}

	cliFor := func(p *benchPath) *cli {
		if p.tls {
			return tlsCLI(t, strings.TrimPrefix(p.host, "tcp://"))
		}
		return plainCLI(t, p.host)
	}

	for _, p := range paths[2:] {
		if p.tls {
			p.like = direct
		}
	}

	if want("transfer") {
		benchTransfer(t, paths, cliFor, reps)
	}
	if want("ping") {
		benchPing(t, paths)
	}
	if want("memory") {
		benchMemory(t, paths)
	}
}

func benchTransfer(t *testing.T, paths []*benchPath, cliFor func(*benchPath) *cli, reps int) {
	sock := env.daemon.sock
	// One tar for every load.
	tarFile := filepath.Join(t.TempDir(), "big.tar")
	plainCLI(t, "unix://"+sock).must(t, "save", "-o", tarFile, bigImage)

	type result struct{ save, load, push []time.Duration }
	results := map[*benchPath]*result{}
	for _, p := range paths {
		results[p] = &result{}
	}
	// Interleave paths within each repetition so drift hits all alike.
	for rep := 0; rep < reps; rep++ {
		for _, p := range paths {
			c := cliFor(p)
			r := results[p]
			r.save = append(r.save, timeShell(t, c, "docker save "+bigImage+" > /dev/null"))
			r.load = append(r.load, timeShell(t, c, "docker load -q -i "+tarFile+" > /dev/null"))
			t.Run("push", func(t *testing.T) {
				reg := startRegistry(t)
				tag := reg.addr + "/big:bench"
				direct := plainCLI(t, "unix://"+sock)
				direct.must(t, "tag", bigImage, tag)
				defer direct.run(t, "rmi", tag)
				r.push = append(r.push, timeShell(t, c, "docker push -q "+tag+" > /dev/null"))
			})
		}
	}

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "400 MB, median of %d\tsave s\tvs unix\tvs TLS\tload s\tvs unix\tvs TLS\tpush s\tvs unix\tvs TLS\t\n", reps)
	d := results[paths[0]]
	for _, p := range paths {
		r := results[p]
		vsTLS := func(pick func(*result) []time.Duration) string {
			if p.like == nil {
				return ""
			}
			return fmt.Sprintf("%.2f", med(pick(results[p.like]))/med(pick(r)))
		}
		save := func(r *result) []time.Duration { return r.save }
		load := func(r *result) []time.Duration { return r.load }
		push := func(r *result) []time.Duration { return r.push }
		fmt.Fprintf(w, "%s\t%.2f\t%.2f\t%s\t%.2f\t%.2f\t%s\t%.2f\t%.2f\t%s\t\n", p.name,
			med(r.save), med(d.save)/med(r.save), vsTLS(save),
			med(r.load), med(d.load)/med(r.load), vsTLS(load),
			med(r.push), med(d.push)/med(r.push), vsTLS(push))
	}
	w.Flush()
	fmt.Println("(vs unix = time over dockerd's unix socket / time over the path; vs TLS = the same against dockerd's own mTLS listener)")
	fmt.Println()
}

func benchPing(t *testing.T, paths []*benchPath) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "HEAD /_ping\tp50 1 client\tadded\tp99 1 client\tp50 50 clients\tp99 50 clients\treq/s 50 clients\t\n")
	p50 := map[*benchPath]time.Duration{}
	for _, p := range paths {
		l1, _ := pingLatency(t, p, 1, 2000)
		l50, rps := pingLatency(t, p, 50, 200)
		p50[p] = pct(l1, 50)
		base := paths[0]
		if p.like != nil {
			base = p.like
		}
		added := "-"
		if p != base && p != paths[1] {
			added = (p50[p] - p50[base]).String()
		}
		fmt.Fprintf(w, "%s\t%v\t%s\t%v\t%v\t%v\t%.0f\t\n", p.name, p50[p], added, pct(l1, 99), pct(l50, 50), pct(l50, 99), rps)
	}
	w.Flush()
	fmt.Println("(added = p50 minus the p50 of the direct path with the same transport security)")
	fmt.Println()
}

func benchMemory(t *testing.T, paths []*benchPath) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "1,000 idle /events streams\tRSS before MiB\tRSS after MiB\tKiB per stream\t\n")
	for _, p := range paths {
		if p.pid == nil {
			continue
		}
		before, after, err := eventsMemory(t, p, 1000)
		if err != nil {
			fmt.Fprintf(w, "%s\terror: %v\t\t\t\n", p.name, err)
			continue
		}
		fmt.Fprintf(w, "%s\t%.1f\t%.1f\t%.1f\t\n", p.name, float64(before)/1024, float64(after)/1024, float64(after-before)/1000)
	}
	w.Flush()
}

func timeShell(t *testing.T, c *cli, script string) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-o", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), c.env...)
	cmd.WaitDelay = 5 * time.Second // the docker child may hold the pipes after bash is killed
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		// One failed path (a hung peer proxy) must not lose the others' numbers.
		t.Errorf("%s: %v\n%s", script, err, out)
		return -1
	}
	return time.Since(start)
}

// med is the median of the runs that succeeded, NaN when none did.
func med(ds []time.Duration) float64 {
	s := slices.DeleteFunc(slices.Clone(ds), func(d time.Duration) bool { return d < 0 })
	if len(s) == 0 {
		return math.NaN()
	}
	slices.Sort(s)
	return s[len(s)/2].Seconds()
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(len(s)-1, len(s)*p/100)
	return s[i].Round(time.Microsecond)
}

// pingLatency sends n HEAD /_ping per client from c concurrent clients over
// keep-alive connections (after one warm-up request each).
func pingLatency(t *testing.T, p *benchPath, clients, n int) ([]time.Duration, float64) {
	t.Helper()
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			one := func() time.Duration {
				s := time.Now()
				req, _ := http.NewRequest(http.MethodHead, p.base+"/_ping", nil)
				res, err := p.client.Do(req)
				if err != nil {
					t.Error(err)
					return 0
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				return time.Since(s)
			}
			one()
			local := make([]time.Duration, 0, n)
			for range n {
				local = append(local, one())
			}
			mu.Lock()
			all = append(all, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all, float64(clients*n) / time.Since(start).Seconds()
}

// eventsMemory opens n GET /events streams through p and reports the
// resident memory of p's processes, in KiB, before and after.
func eventsMemory(t *testing.T, p *benchPath, n int) (before, after int64, err error) {
	t.Helper()
	rss := func() int64 {
		var sum int64
		for _, pid := range p.pid() {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			if err != nil {
				continue
			}
			for _, l := range strings.Split(string(b), "\n") {
				if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
					v, _ := strconv.ParseInt(f[1], 10, 64)
					sum += v
				}
			}
		}
		return sum
	}
	// A separate transport: one connection per stream.
	var tr *http.Transport
	if strings.HasPrefix(p.base, "https") {
		tr = &http.Transport{TLSClientConfig: clientTLS(t, true), MaxConnsPerHost: 0, TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}
	} else {
		tr = &http.Transport{MaxConnsPerHost: 0}
	}
	defer tr.CloseIdleConnections()
	runtimeGC()
	before = rss()
	ctx, cancel := context.WithCancel(context.Background())
	var bodies []io.Closer
	defer func() {
		cancel()
		for _, b := range bodies {
			b.Close()
		}
	}()
	for i := range n {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/v1.41/events", nil)
		res, e := tr.RoundTrip(req)
		if e != nil {
			return 0, 0, fmt.Errorf("stream %d: %v", i, e)
		}
		if res.StatusCode != 200 {
			return 0, 0, fmt.Errorf("stream %d: %s", i, res.Status)
		}
		bodies = append(bodies, res.Body)
	}
	time.Sleep(2 * time.Second)
	after = rss()
	return before, after, nil
}

func runtimeGC() { time.Sleep(500 * time.Millisecond) }

const plainProxyEnv = "E2E_BENCH_PLAIN_PROXY" // "SOCKET ADDR"

// init turns this test binary into the plain proxy when asked, so that it
// runs in a process of its own like every other path.
func init() {
	v := os.Getenv(plainProxyEnv)
	if v == "" {
		return
	}
	sock, addr, _ := strings.Cut(v, " ")
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "docker"})
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 100, DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}
	rp.ErrorLog = log.New(io.Discard, "", 0)
	srv := &http.Server{Addr: addr, Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// startPlainProxy runs httputil.NewSingleHostReverseProxy to the socket,
// with no timeouts at all (the fastest correct use of the stock library),
// in a process of its own.
func startPlainProxy(t *testing.T, sock string) *extProxy {
	t.Helper()
	addr := freeAddr(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	os.Setenv(plainProxyEnv, sock+" "+addr)
	defer os.Unsetenv(plainProxyEnv)
	return startExternal(t, addr, self)
}

type extProxy struct {
	addr string
	cmd  *exec.Cmd
	pids func() []int
}

// startExternal runs a proxy binary in the foreground and waits for addr.
func startExternal(t *testing.T, addr string, name string, args ...string) *extProxy {
	t.Helper()
	var out syncBuffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	if !waitFor(10*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		t.Fatalf("%s did not listen on %s:\n%s", name, addr, out.String())
	}
	e := &extProxy{addr: addr, cmd: cmd}
	e.pids = func() []int { return groupPids(cmd.Process.Pid) }
	return e
}

// groupPids lists the processes in process group pgid (nginx master and
// workers).
func groupPids(pgid int) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if g, err := syscall.Getpgid(pid); err == nil && g == pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// startNginx runs nginx in front of sock, with TLS and client
// certificates from env.certs when withTLS is set.
func startNginx(t *testing.T, sock string, withTLS bool) *extProxy {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		return nil
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	tlsDirectives := ""
	if withTLS {
		tlsDirectives = fmt.Sprintf(` ssl;
    ssl_certificate %[1]s/server-cert.pem;
    ssl_certificate_key %[1]s/server-key.pem;
    ssl_client_certificate %[1]s/ca.pem;
    ssl_verify_client on`, env.certs)
	}
	conf := fmt.Sprintf(`user root;
worker_processes auto;
worker_rlimit_nofile 65536;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  upstream docker { server unix:%[2]s; keepalive 64; }
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  server {
    listen %[3]s%[4]s;
    client_max_body_size 0;
    proxy_buffering off;
    proxy_request_buffering off;
    proxy_http_version 1.1;
    proxy_read_timeout 1h;
    proxy_send_timeout 1h;
    location / {
      proxy_pass http://docker;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
    }
  }
}
`, dir, sock, addr, tlsDirectives)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return startExternal(t, addr, bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
}

func startHAProxy(t *testing.T, sock string) *extProxy {
	t.Helper()
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		return nil
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	conf := fmt.Sprintf(`global
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h
frontend fe
  bind %s
  default_backend be
backend be
  server docker %s
`, addr, sock)
	if err := os.WriteFile(filepath.Join(dir, "haproxy.cfg"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return startExternal(t, addr, bin, "-db", "-f", filepath.Join(dir, "haproxy.cfg"))
}
