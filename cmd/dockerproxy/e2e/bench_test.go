//go:build bench

package e2e

// The benchmark is not a test: it runs only with -tags bench (see
// ../bench/run.sh) and prints tables. It measures, through each path to
// the same dockerd: 400 MB docker save, docker load and docker push;
// HEAD /_ping latency at 1 and 50 concurrent clients; and memory per idle
// /events stream. Every figure is the median of BENCH_REPS rounds (at
// least 3); each round visits the paths in the opposite order of the one
// before, so that drift and other load on the machine hit all alike, and
// every row says the 1-minute load average seen during its measurements.

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

// benchPath is one way from the docker CLI to the daemon.
type benchPath struct {
	name   string
	peer   string // summary column: dockerproxy, httputil, nginx, HAProxy, direct
	host   string // DOCKER_HOST
	tls    bool
	client *http.Client // for /_ping
	base   string       // URL base for client
	// fresh starts a new instance of the proxy for the memory part and
	// returns its URL base, its processes and how to stop it; nil: the
	// path is not a proxy.
	fresh func(t *testing.T) (base string, pids func() []int, stop func())
	// like is the direct path with the same transport security, which
	// ratios also compare against (nil: none besides the unix socket).
	like *benchPath
}

// measure is one figure of one path: a value per round, and the load
// averages seen while it was taken.
type measure struct {
	v    []float64
	load []float64
}

func (m *measure) add(v float64, load float64) {
	m.v = append(m.v, v)
	m.load = append(m.load, load)
}

// med is the median of the rounds that succeeded, NaN when none did.
func (m *measure) med() float64 {
	if m == nil {
		return math.NaN()
	}
	s := slices.DeleteFunc(slices.Clone(m.v), math.IsNaN)
	if len(s) == 0 {
		return math.NaN()
	}
	slices.Sort(s)
	return s[len(s)/2]
}

// loadRange prints the lowest and highest load average of the measures.
func loadRange(ms ...*measure) string {
	var all []float64
	for _, m := range ms {
		if m != nil {
			all = append(all, m.load...)
		}
	}
	if len(all) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f–%.1f", slices.Min(all), slices.Max(all))
}

// loadAvg returns the 1-minute load average.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return math.NaN()
	}
	f := strings.Fields(string(b))
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

type results map[*benchPath]map[string]*measure

func (r results) get(p *benchPath, figure string) *measure {
	if r[p] == nil {
		r[p] = map[string]*measure{}
	}
	if r[p][figure] == nil {
		r[p][figure] = &measure{}
	}
	return r[p][figure]
}

func (r results) med(p *benchPath, figure string) float64 {
	if p == nil || r[p] == nil {
		return math.NaN()
	}
	return r[p][figure].med()
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
	streams := 1000
	if v, err := strconv.Atoi(os.Getenv("BENCH_STREAMS")); err == nil && v > 0 {
		streams = v
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

	paths := []*benchPath{{name: "direct (unix socket)", peer: "direct", host: "unix://" + sock, client: unixClient, base: "http://docker"}}
	// dockerd's own TLS listener is what a remote client uses without a
	// proxy: the fair baseline for the mTLS rows.
	direct := &benchPath{name: "direct (dockerd mTLS)", host: "tcp://" + env.daemon.tlsAddr, tls: true, client: tlsClient(), base: "https://" + env.daemon.tlsAddr}
	paths = append(paths, direct)

	// One client here opens the event streams on top of the ping part's
	// keep-alive connections: above the per-client defaults (1,024).
	flags := []string{"-log-level", "info", "-max-connections-per-client", "65536", "-max-streams-per-client", "65536"}
	dockerproxy := func(withTLS bool) func(t *testing.T) (string, func() []int, func()) {
		return func(t *testing.T) (string, func() []int, func()) {
			p := startProxyWith(t, env.daemon, withTLS, flags...)
			scheme := "http://"
			if withTLS {
				scheme = "https://"
			}
			return scheme + p.addr, func() []int { return []int{p.cmd.Process.Pid} }, func() { p.cmd.Process.Kill(); <-p.done }
		}
	}
	external := func(start func(t *testing.T) *extProxy, scheme string) func(t *testing.T) (string, func() []int, func()) {
		return func(t *testing.T) (string, func() []int, func()) {
			e := start(t)
			return scheme + e.addr, e.pids, e.stop
		}
	}
	dp := startProxyWith(t, env.daemon, false, flags...)
	paths = append(paths, &benchPath{name: "dockerproxy (http)", peer: "dockerproxy", host: "tcp://" + dp.addr, client: tcpClient(), base: "http://" + dp.addr, fresh: dockerproxy(false)})
	dpt := startProxyWith(t, env.daemon, true, flags...)
	paths = append(paths, &benchPath{name: "dockerproxy (mTLS)", host: "tcp://" + dpt.addr, tls: true, client: tlsClient(), base: "https://" + dpt.addr, fresh: dockerproxy(true)})

	plainStart := func(t *testing.T) *extProxy { return startPlainProxy(t, sock) }
	plain := plainStart(t)
	paths = append(paths, &benchPath{name: "httputil.ReverseProxy", peer: "httputil", host: "tcp://" + plain.addr, client: tcpClient(), base: "http://" + plain.addr, fresh: external(plainStart, "http://")})

	if _, err := exec.LookPath("nginx"); err == nil {
		ngStart := func(withTLS bool) func(t *testing.T) *extProxy {
			return func(t *testing.T) *extProxy { return startNginx(t, sock, withTLS) }
		}
		ng := ngStart(false)(t)
		paths = append(paths, &benchPath{name: "nginx (buffering off)", peer: "nginx", host: "tcp://" + ng.addr, client: tcpClient(), base: "http://" + ng.addr, fresh: external(ngStart(false), "http://")})
		ngt := ngStart(true)(t)
		paths = append(paths, &benchPath{name: "nginx (mTLS)", host: "tcp://" + ngt.addr, tls: true, client: tlsClient(), base: "https://" + ngt.addr, fresh: external(ngStart(true), "https://")})
	} else {
		t.Log("nginx not installed; bench/run.sh installs it (apt-get install -y nginx)")
	}
	if _, err := exec.LookPath("haproxy"); err == nil {
		hpStart := func(t *testing.T) *extProxy { return startHAProxy(t, sock) }
		hp := hpStart(t)
		paths = append(paths, &benchPath{name: "HAProxy", peer: "HAProxy", host: "tcp://" + hp.addr, client: tcpClient(), base: "http://" + hp.addr, fresh: external(hpStart, "http://")})
	} else {
		t.Log("haproxy not installed; bench/run.sh installs it (apt-get install -y haproxy)")
	}
	for _, p := range paths[2:] {
		if p.tls {
			p.like = direct
		}
	}
	cliFor := func(p *benchPath) *cli {
		if p.tls {
			return tlsCLI(t, strings.TrimPrefix(p.host, "tcp://"))
		}
		return plainCLI(t, p.host)
	}

	var tarFile string
	if want("transfer") {
		// One tar for every load.
		tarFile = filepath.Join(t.TempDir(), "big.tar")
		plainCLI(t, "unix://"+sock).must(t, "save", "-o", tarFile, bigImage)
	}
	res := results{}
	start := time.Now()
	for round := range reps {
		order := slices.Clone(paths)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		fmt.Printf("round %d of %d (load average %.2f)\n", round+1, reps, loadAvg())
		for _, p := range order {
			if want("transfer") {
				benchTransfer(t, p, cliFor(p), tarFile, res)
			}
			if want("ping") {
				benchPing(t, p, res)
			}
			if want("memory") && p.fresh != nil {
				benchMemory(t, p, streams, res)
			}
		}
	}
	fmt.Printf("%d rounds in %v\n\n", reps, time.Since(start).Round(time.Second))
	if want("transfer") {
		printTransfer(paths, reps, res)
	}
	if want("ping") {
		printPing(paths, reps, res)
	}
	if want("memory") {
		printMemory(paths, reps, streams, res)
	}
	printSummary(paths, res)
}

// benchTransfer times one docker save, load and push through p.
func benchTransfer(t *testing.T, p *benchPath, c *cli, tarFile string, res results) {
	seconds := func(d time.Duration) float64 {
		if d < 0 {
			return math.NaN()
		}
		return d.Seconds()
	}
	res.get(p, "save").add(seconds(timeShell(t, c, "docker save "+bigImage+" > /dev/null")), loadAvg())
	res.get(p, "load").add(seconds(timeShell(t, c, "docker load -q -i "+tarFile+" > /dev/null")), loadAvg())
	t.Run("push "+p.name, func(t *testing.T) {
		reg := startRegistry(t)
		tag := reg.addr + "/big:bench"
		direct := plainCLI(t, "unix://"+env.daemon.sock)
		direct.must(t, "tag", bigImage, tag)
		defer direct.run(t, "rmi", tag)
		res.get(p, "push").add(seconds(timeShell(t, c, "docker push -q "+tag+" > /dev/null")), loadAvg())
	})
}

// benchPing measures HEAD /_ping through p: 2,000 one after another, then
// 200 from each of 50 concurrent clients.
func benchPing(t *testing.T, p *benchPath, res results) {
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	l1, _ := pingLatency(t, p, 1, 2000)
	load := loadAvg()
	res.get(p, "p50").add(us(pct(l1, 50)), load)
	res.get(p, "p99").add(us(pct(l1, 99)), load)
	l50, rps := pingLatency(t, p, 50, 200)
	load = loadAvg()
	res.get(p, "p50c50").add(us(pct(l50, 50)), load)
	res.get(p, "p99c50").add(us(pct(l50, 99)), load)
	res.get(p, "rps").add(rps, load)
}

// benchMemory opens n idle /events streams through a fresh instance of p
// and records its resident memory per stream.
func benchMemory(t *testing.T, p *benchPath, n int, res results) {
	t.Run("memory "+p.name, func(t *testing.T) {
		base, pids, stop := p.fresh(t)
		defer stop()
		before, after, err := eventsMemory(t, base, pids, n)
		if err != nil {
			t.Errorf("%s: %v", p.name, err)
			res.get(p, "kib").add(math.NaN(), loadAvg())
			return
		}
		load := loadAvg()
		res.get(p, "rss_before").add(float64(before), load)
		res.get(p, "rss_after").add(float64(after), load)
		res.get(p, "kib").add(float64(after-before)/float64(n), load)
	})
}

func printTransfer(paths []*benchPath, reps int, res results) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "400 MB, median of %d\tsave s\tvs unix\tvs TLS\tload s\tvs unix\tvs TLS\tpush s\tvs unix\tvs TLS\tload avg\t\n", reps)
	d := paths[0]
	for _, p := range paths {
		row := []any{p.name}
		for _, fig := range []string{"save", "load", "push"} {
			vsTLS := ""
			if p.like != nil {
				vsTLS = fmt.Sprintf("%.2f", res.med(p.like, fig)/res.med(p, fig))
			}
			row = append(row, res.med(p, fig), res.med(d, fig)/res.med(p, fig), vsTLS)
		}
		row = append(row, loadRange(res[p]["save"], res[p]["load"], res[p]["push"]))
		fmt.Fprintf(w, "%s\t%.2f\t%.2f\t%s\t%.2f\t%.2f\t%s\t%.2f\t%.2f\t%s\t%s\t\n", row...)
	}
	w.Flush()
	fmt.Println("(vs unix = time over dockerd's unix socket / time over the path; vs TLS = the same against dockerd's own mTLS listener)")
	fmt.Println()
}

// added returns the median over rounds of p's p50 minus its baseline's in
// the same round.
func added(p, base *benchPath, res results) float64 {
	a, b := res[p]["p50"], res[base]["p50"]
	if a == nil || b == nil {
		return math.NaN()
	}
	m := &measure{}
	for i := range min(len(a.v), len(b.v)) {
		m.add(a.v[i]-b.v[i], a.load[i])
	}
	return m.med()
}

func baseOf(paths []*benchPath, p *benchPath) *benchPath {
	if p.like != nil {
		return p.like
	}
	return paths[0]
}

func printPing(paths []*benchPath, reps int, res results) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "HEAD /_ping, median of %d\tp50 1 client µs\tadded µs\tp99 1 client µs\tp50 50 clients µs\tp99 50 clients µs\treq/s 50 clients\tload avg\t\n", reps)
	for _, p := range paths {
		add := "-"
		if base := baseOf(paths, p); p != base && p != paths[1] {
			add = fmt.Sprintf("%.0f", added(p, base, res))
		}
		fmt.Fprintf(w, "%s\t%.0f\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t%s\t\n", p.name, res.med(p, "p50"), add, res.med(p, "p99"),
			res.med(p, "p50c50"), res.med(p, "p99c50"), res.med(p, "rps"), loadRange(res[p]["p50"], res[p]["rps"]))
	}
	w.Flush()
	fmt.Println("(added = p50 minus the p50 of the direct path with the same transport security, in the same round)")
	fmt.Println()
}

func printMemory(paths []*benchPath, reps, n int, res results) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "%d idle /events streams, median of %d\tRSS before MiB\tRSS after MiB\tKiB per stream\tload avg\t\n", n, reps)
	for _, p := range paths {
		if p.fresh == nil {
			continue
		}
		fmt.Fprintf(w, "%s\t%.1f\t%.1f\t%.1f\t%s\t\n", p.name, res.med(p, "rss_before")/1024, res.med(p, "rss_after")/1024, res.med(p, "kib"), loadRange(res[p]["kib"]))
	}
	w.Flush()
	fmt.Println("(KiB per stream = (RSS with the streams open - RSS before) / streams, a fresh process each round)")
	fmt.Println()
}

// printSummary prints the figures of the performance goals, one column
// per peer, plain HTTP unless the row says mTLS.
func printSummary(paths []*benchPath, res results) {
	byName := map[string]*benchPath{}
	for _, p := range paths {
		byName[p.name] = p
	}
	cols := []string{"dockerproxy (http)", "httputil.ReverseProxy", "nginx (buffering off)", "HAProxy", "direct (unix socket)"}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "summary (medians)\tdockerproxy\tstock ReverseProxy\tnginx\tHAProxy\tdirect\t\n")
	row := func(label string, f func(p *benchPath) string, names ...string) {
		fmt.Fprintf(w, "%s", label)
		for _, name := range names {
			v := "-"
			if p := byName[name]; p != nil {
				v = f(p)
			}
			fmt.Fprintf(w, "\t%s", v)
		}
		fmt.Fprintf(w, "\t\n")
	}
	num := func(format string, v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return fmt.Sprintf(format, v)
	}
	if res[paths[0]]["p50"] != nil {
		row("added p50 HEAD /_ping µs", func(p *benchPath) string {
			if p == paths[0] {
				return "0"
			}
			return num("%.0f", added(p, baseOf(paths, p), res))
		}, cols...)
		row("added p50 HEAD /_ping µs, mTLS", func(p *benchPath) string { return num("%.0f", added(p, baseOf(paths, p), res)) },
			"dockerproxy (mTLS)", "-", "nginx (mTLS)", "-", "-")
	}
	if res[byName["dockerproxy (http)"]]["kib"] != nil {
		row("KiB per idle /events stream", func(p *benchPath) string { return num("%.1f", res.med(p, "kib")) }, cols...)
		row("KiB per idle /events stream, mTLS", func(p *benchPath) string { return num("%.1f", res.med(p, "kib")) },
			"dockerproxy (mTLS)", "-", "nginx (mTLS)", "-", "-")
	}
	for _, fig := range []string{"save", "load", "push"} {
		if res[paths[0]][fig] == nil {
			continue
		}
		row(fig+" 400 MB, direct / path", func(p *benchPath) string { return num("%.2f", res.med(paths[0], fig)/res.med(p, fig)) }, cols...)
		row(fig+" 400 MB, mTLS, dockerd mTLS / path", func(p *benchPath) string {
			return num("%.2f", res.med(p.like, fig)/res.med(p, fig))
		}, "dockerproxy (mTLS)", "-", "nginx (mTLS)", "-", "-")
	}
	w.Flush()
	fmt.Println()
}

func timeShell(t *testing.T, c *cli, script string) time.Duration {
	t.Helper()
	// Direct, a load takes a second and a push ten: a command that takes
	// minutes hangs.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
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

// eventsMemory opens n GET /events streams through the proxy at base and
// reports the resident memory of its processes, in KiB, before and after.
func eventsMemory(t *testing.T, base string, pids func() []int, n int) (before, after int64, err error) {
	t.Helper()
	rss := func() int64 {
		var sum int64
		for _, pid := range pids() {
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
	if strings.HasPrefix(base, "https") {
		tr = &http.Transport{TLSClientConfig: clientTLS(t, true), MaxConnsPerHost: 0, TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}
	} else {
		tr = &http.Transport{MaxConnsPerHost: 0}
	}
	defer tr.CloseIdleConnections()
	runtimeGC()
	before = rss()
	opening := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	var bodies []io.Closer
	defer func() {
		closing := time.Now()
		defer func() { t.Logf("closed in %v", time.Since(closing).Round(time.Millisecond)) }()
		cancel()
		for _, b := range bodies {
			b.Close()
		}
	}()
	// From 32 clients at once: HAProxy takes about 200 ms to answer each
	// (the others a few ms), which one after another adds minutes.
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	next := make(chan int)
	for range 32 {
		wg.Go(func() {
			for i := range next {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1.41/events", nil)
				res, e := tr.RoundTrip(req)
				if e == nil && res.StatusCode != http.StatusOK {
					res.Body.Close()
					e = fmt.Errorf("%s", res.Status)
				}
				mu.Lock()
				if e != nil && firstErr == nil {
					firstErr = fmt.Errorf("stream %d: %v", i, e)
				} else if e == nil {
					bodies = append(bodies, res.Body)
				}
				mu.Unlock()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return 0, 0, firstErr
	}
	t.Logf("%d streams opened in %v", n, time.Since(opening).Round(time.Millisecond))
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
	stop func() // also run at cleanup
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
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	t.Cleanup(stop)
	if !waitFor(10*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		t.Fatalf("%s did not listen on %s:\n%s", name, addr, out.String())
	}
	e := &extProxy{addr: addr, cmd: cmd, stop: stop}
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
