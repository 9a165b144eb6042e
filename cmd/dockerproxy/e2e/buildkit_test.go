package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BuildKit's two hijacked endpoints, spoken directly (there is no buildx
// here): POST /grpc, where the client calls dockerd's BuildKit controller
// over HTTP/2 cleartext, and POST /session, where the roles flip and
// dockerd calls the client. Both start as HTTP/1.1 with Upgrade: h2c, the
// way the docker client's DialHijack sends them.

// TestBuildKitControlThroughProxy: a gRPC ListWorkers call on a hijacked
// /grpc connection through the proxy over mTLS returns dockerd's worker,
// the same as on the daemon's socket, and the connection survives a
// silence longer than twice every limit.
func TestBuildKitControlThroughProxy(t *testing.T) {
	need(t)
	// The control: the daemon's own socket. A failure after this is the
	// proxy's.
	direct := listWorkers(t, h2cClient(t, h2cUpgrade(t, dialUnix(t, env.daemon.sock), "/grpc", nil)))

	const limit = time.Second
	p := startProxy(t, env.daemon, "-policy", "all", "-idle-short", "1s", "-idle-progress", "1s", "-idle-bulk", "1s", "-idle-stream", "1s")
	conn := dialProxy(t, p.addr)
	start := time.Now()
	c := h2cClient(t, h2cUpgrade(t, conn, "/grpc", nil))
	got := listWorkers(t, c)
	took := time.Since(start)
	if !slices.EqualFunc(got, direct, func(a, b worker) bool { return a.id == b.id && slices.Equal(a.platforms, b.platforms) }) {
		t.Fatalf("workers through the proxy %v, on the socket %v", got, direct)
	}

	// buildx keeps this connection for a whole build, silent between
	// calls.
	time.Sleep(2*limit + 500*time.Millisecond)
	if again := listWorkers(t, c); len(again) != len(got) {
		t.Fatalf("second call after %v of silence: %v", 2*limit+500*time.Millisecond, again)
	}
	if n := p.metric(t, `dockerproxy_active_streams{class="upgrade"}`); n != 1 {
		t.Errorf("active upgrade streams = %v with the /grpc connection open, want 1", n)
	}

	// The request is counted when the hijacked connection ends.
	_ = conn.Close()
	var upgrades map[string]float64
	if !waitFor(5*time.Second, func() bool {
		upgrades = samples(t, p, `dockerproxy_requests_total{class="upgrade",code=`)
		return p.metric(t, `dockerproxy_active_streams{class="upgrade"}`) == 0 && len(upgrades) == 1
	}) {
		t.Errorf("after close: active upgrade streams %v, upgrade requests %v; want 0 and one",
			p.metric(t, `dockerproxy_active_streams{class="upgrade"}`), upgrades)
	}
	if upgrades[`"101"`] != 1 {
		t.Errorf("upgrade requests by code %v, want one with code 101", upgrades)
	}
	if lines := logLines(p.log.String(), "request aborted"); len(lines) > 0 {
		t.Errorf("proxy aborted requests:\n%s", strings.Join(lines, "\n"))
	}
	if lines := p.waitLog(1, "path=/grpc", "hijacked=true"); len(lines) != 1 {
		t.Errorf("want one access record of the hijacked /grpc, got:\n%s", p.log.String())
	}
	t.Logf("ListWorkers through dockerproxy (upgrade + call) in %v: %v; upgrade requests by code %v", took.Round(time.Millisecond), got, upgrades)
}

// samples returns the value of every /metrics sample whose line starts
// with prefix, by the rest of its labels.
func samples(t *testing.T, p *proxyProc, prefix string) map[string]float64 {
	t.Helper()
	res, err := http.Get("http://" + p.admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), prefix)
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		v, err := strconv.ParseFloat(value, 64)
		if !ok || err != nil {
			t.Fatalf("metrics line %q", sc.Text())
		}
		out[labels] = v
	}
	return out
}

// TestBuildKitSessionThroughProxy: a BuildKit session opened through the
// proxy over mTLS. After the 101 this side serves HTTP/2 and dockerd
// health-checks it (BuildKit v0.8, vendored in dockerd 20.10, calls
// grpc.health.v1.Health/Check every second and drops the session at the
// first failure). The checks keep coming for longer than twice every
// limit, and the daemon keeps the session until this side closes it.
func TestBuildKitSessionThroughProxy(t *testing.T) {
	need(t)
	// The control: the daemon's own socket.
	d := openSession(t, dialUnix(t, env.daemon.sock), newSessionID(t))
	d.waitChecks(t, 1, 10*time.Second)
	d.close()

	const limit = time.Second
	p := startProxy(t, env.daemon, "-policy", "all", "-idle-short", "1s", "-idle-progress", "1s", "-idle-bulk", "1s", "-idle-stream", "1s")
	id := newSessionID(t)
	opened := time.Now()
	s := openSession(t, dialProxy(t, p.addr), id)
	first := s.waitChecks(t, 1, 10*time.Second)[0]

	// The daemon registered the session: the same id is refused while it
	// lives.
	if msg, ok := sessionTaken(t, p.addr, id); !ok {
		t.Fatalf("a second session with id %s was not refused as existing: %s", id, msg)
	}

	hold := 2*limit + 3*time.Second
	time.Sleep(hold)
	checks := s.checksSince(first)
	if len(checks) < int(hold/time.Second)-1 {
		t.Errorf("%d health checks in %v after the first, want one a second", len(checks), hold)
	}
	if last := checks[len(checks)-1]; time.Since(last) > 2*time.Second {
		t.Errorf("last health check %v ago: the session stalled", time.Since(last).Round(time.Millisecond))
	}
	var gaps []time.Duration
	for i := 1; i < len(checks); i++ {
		gaps = append(gaps, checks[i].Sub(checks[i-1]).Round(time.Millisecond))
	}
	// A check held up for seconds on loopback is a stall, not scheduling.
	if slices.Max(append(gaps, 0)) > 3*time.Second {
		t.Errorf("health check intervals %v: a check was held up", gaps)
	}
	if other := s.otherCalls(); len(other) > 0 {
		t.Errorf("dockerd called methods this side does not serve: %v", other)
	}
	if n := p.metric(t, `dockerproxy_active_streams{class="upgrade"}`); n != 1 {
		t.Errorf("active upgrade streams = %v with the session open, want 1", n)
	}
	if msg, ok := sessionTaken(t, p.addr, id); !ok {
		t.Errorf("after %v the daemon no longer knows session %s: %s", hold, id, msg)
	}
	if lines := logLines(p.log.String(), "request aborted"); len(lines) > 0 {
		t.Errorf("proxy aborted requests:\n%s", strings.Join(lines, "\n"))
	}

	// Closing this side ends the session in the daemon too: the proxy
	// closed its upstream connection, the next health check failed, and
	// the id is free again.
	s.close()
	closed := time.Now()
	if !waitFor(5*time.Second, func() bool { return p.metric(t, `dockerproxy_active_streams{class="upgrade"}`) == 0 }) {
		t.Errorf("upgrade stream still active 5 s after the session was closed")
	}
	var freed time.Duration
	if !waitFor(10*time.Second, func() bool {
		conn := dialProxy(t, p.addr)
		defer conn.Close()
		res, _ := h2cRequest(t, conn, "/session", sessionHeader(id))
		freed = time.Since(closed)
		return res.StatusCode == http.StatusSwitchingProtocols
	}) {
		t.Errorf("the daemon still holds session %s 10 s after it was closed", id)
	}

	t.Logf("session through dockerproxy: first health check %v after the upgrade, %d checks in %v, intervals %v; id free again %v after close",
		first.Sub(opened).Round(time.Millisecond), len(checks), checks[len(checks)-1].Sub(first).Round(time.Millisecond), gaps, freed.Round(time.Millisecond))
}

func dialUnix(t *testing.T, sock string) net.Conn {
	t.Helper()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func dialProxy(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, clientTLS(t, true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// h2cRequest sends POST path with Upgrade: h2c and extra headers on conn
// and reads the response head.
func h2cRequest(t *testing.T, conn net.Conn, path string, extra http.Header) (*http.Response, *bufio.Reader) {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: api.moby.localhost\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 0\r\n", path)
	_ = extra.Write(&b)
	b.WriteString("\r\n")
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := conn.Write(b.Bytes()); err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return res, br
}

// h2cUpgrade switches conn to HTTP/2 cleartext with POST path and returns
// the connection to speak it on.
func h2cUpgrade(t *testing.T, conn net.Conn, path string, extra http.Header) net.Conn {
	t.Helper()
	res, br := h2cRequest(t, conn, path, extra)
	if res.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		t.Fatalf("POST %s: %s, want 101; body %q", path, res.Status, body)
	}
	if up := res.Header.Get("Upgrade"); !strings.EqualFold(up, "h2c") {
		t.Fatalf("POST %s: 101 with Upgrade %q, want h2c", path, up)
	}
	return &bufferedConn{Conn: conn, r: br}
}

// bufferedConn reads through the reader that parsed the 101: the peer may
// send its first HTTP/2 frames in the same segment.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// h2cClient is an HTTP/2 cleartext client on conn alone.
func h2cClient(t *testing.T, conn net.Conn) *http.Client {
	t.Helper()
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	var dialed atomic.Bool
	tr.DialContext = func(context.Context, string, string) (net.Conn, error) {
		if dialed.Swap(true) {
			return nil, errors.New("the hijacked connection is gone; no second one")
		}
		return conn, nil
	}
	t.Cleanup(func() { tr.CloseIdleConnections(); conn.Close() })
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// grpcFrame is msg as one uncompressed gRPC message.
func grpcFrame(msg []byte) []byte {
	b := make([]byte, 5, 5+len(msg))
	binary.BigEndian.PutUint32(b[1:], uint32(len(msg)))
	return append(b, msg...)
}

// grpcUnframe returns the message of b, which must hold exactly one
// uncompressed gRPC message.
func grpcUnframe(b []byte) ([]byte, error) {
	if len(b) < 5 {
		return nil, fmt.Errorf("gRPC body of %d bytes, shorter than a frame header", len(b))
	}
	if b[0] != 0 {
		return nil, fmt.Errorf("gRPC frame compressed flag %d, want 0", b[0])
	}
	if n := binary.BigEndian.Uint32(b[1:5]); int(n) != len(b)-5 {
		return nil, fmt.Errorf("gRPC frame says %d bytes, body has %d after the header", n, len(b)-5)
	}
	return b[5:], nil
}

// grpcCall makes a unary gRPC call and returns the response message; any
// status but OK fails t.
func grpcCall(t *testing.T, c *http.Client, method string, msg []byte) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://docker"+method, bytes.NewReader(grpcFrame(msg)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("%s: reading the response: %v", method, err)
	}
	// A trailers-only response carries the status in its headers.
	status, message := res.Header.Get("Grpc-Status"), res.Header.Get("Grpc-Message")
	if status == "" {
		status, message = res.Trailer.Get("Grpc-Status"), res.Trailer.Get("Grpc-Message")
	}
	if res.StatusCode != http.StatusOK || status != "0" {
		t.Fatalf("%s: HTTP %s, grpc-status %q, grpc-message %q", method, res.Status, status, message)
	}
	out, err := grpcUnframe(body)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return out
}

// worker is what the test reads of a BuildKit WorkerRecord.
type worker struct {
	id        string
	platforms []string // os/arch
}

// listWorkers calls Control.ListWorkers with an empty request and checks
// that the daemon has a worker for this machine's platform.
func listWorkers(t *testing.T, c *http.Client) []worker {
	t.Helper()
	msg := grpcCall(t, c, "/moby.buildkit.v1.Control/ListWorkers", nil)
	ws, err := parseWorkers(msg)
	if err != nil {
		t.Fatalf("ListWorkersResponse %x: %v", msg, err)
	}
	if len(ws) == 0 {
		t.Fatalf("ListWorkersResponse has no worker: %x", msg)
	}
	want := "linux/" + runtime.GOARCH
	if ws[0].id == "" || !slices.Contains(ws[0].platforms, want) {
		t.Fatalf("worker %+v: want an ID and platform %s", ws[0], want)
	}
	return ws
}

// parseWorkers decodes ListWorkersResponse{repeated WorkerRecord record = 1},
// WorkerRecord{string ID = 1; repeated Platform platforms = 3} and
// Platform{string Architecture = 1; string OS = 2}.
func parseWorkers(b []byte) ([]worker, error) {
	fs, err := protoFields(b)
	if err != nil {
		return nil, err
	}
	var ws []worker
	for _, f := range fs {
		if f.num != 1 || f.wire != 2 {
			return nil, fmt.Errorf("ListWorkersResponse field %d wire type %d, want only 1/2", f.num, f.wire)
		}
		rec, err := protoFields(f.bytes)
		if err != nil {
			return nil, fmt.Errorf("WorkerRecord: %v", err)
		}
		var w worker
		for _, r := range rec {
			switch {
			case r.num == 1 && r.wire == 2:
				w.id = string(r.bytes)
			case r.num == 3 && r.wire == 2:
				pf, err := protoFields(r.bytes)
				if err != nil {
					return nil, fmt.Errorf("Platform: %v", err)
				}
				var arch, goos string
				for _, x := range pf {
					if x.wire == 2 && x.num == 1 {
						arch = string(x.bytes)
					} else if x.wire == 2 && x.num == 2 {
						goos = string(x.bytes)
					}
				}
				w.platforms = append(w.platforms, goos+"/"+arch)
			}
		}
		ws = append(ws, w)
	}
	return ws, nil
}

// protoField is one field of an encoded protobuf message; bytes is set
// for length-delimited fields (wire type 2).
type protoField struct {
	num, wire int
	bytes     []byte
}

func protoFields(b []byte) ([]protoField, error) {
	var out []protoField
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 || key>>3 == 0 {
			return nil, errors.New("bad field key")
		}
		b = b[n:]
		f := protoField{num: int(key >> 3), wire: int(key & 7)}
		switch f.wire {
		case 0:
			if _, n = binary.Uvarint(b); n <= 0 {
				return nil, errors.New("bad varint")
			}
			b = b[n:]
		case 1, 5:
			size := 8
			if f.wire == 5 {
				size = 4
			}
			if len(b) < size {
				return nil, errors.New("truncated fixed field")
			}
			b = b[size:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, errors.New("bad length")
			}
			f.bytes, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return nil, fmt.Errorf("wire type %d", f.wire)
		}
		out = append(out, f)
	}
	return out, nil
}

func newSessionID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "e2e" + hex.EncodeToString(b)
}

// sessionHeader is what the docker CLI sends with POST /session.
func sessionHeader(id string) http.Header {
	return http.Header{
		"X-Docker-Expose-Session-Uuid":        {id},
		"X-Docker-Expose-Session-Name":        {"e2e"},
		"X-Docker-Expose-Session-Sharedkey":   {"e2e-key"},
		"X-Docker-Expose-Session-Grpc-Method": {"/grpc.health.v1.Health/Check"},
	}
}

// sessionTaken opens a second session with id through the proxy at addr
// and reports whether the daemon refused it as existing, with its answer.
func sessionTaken(t *testing.T, addr, id string) (string, bool) {
	t.Helper()
	conn := dialProxy(t, addr)
	defer conn.Close()
	res, _ := h2cRequest(t, conn, "/session", sessionHeader(id))
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	msg := fmt.Sprintf("%s %s", res.Status, bytes.TrimSpace(body))
	return msg, res.StatusCode == http.StatusBadRequest && bytes.Contains(body, []byte("already exists"))
}

// session is the client side of a BuildKit session: after the 101 it
// serves HTTP/2 cleartext on the hijacked connection and dockerd calls it.
type session struct {
	conn net.Conn
	srv  *http.Server
	done chan struct{}

	mu     sync.Mutex
	checks []time.Time
	other  []string
}

func openSession(t *testing.T, conn net.Conn, id string) *session {
	t.Helper()
	s := &session{conn: h2cUpgrade(t, conn, "/session", sessionHeader(id)), done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /grpc.health.v1.Health/Check", s.healthCheck)
	mux.HandleFunc("/", s.unimplemented)
	s.srv = &http.Server{Handler: mux, Protocols: new(http.Protocols)}
	s.srv.Protocols.SetUnencryptedHTTP2(true)
	ln := newOneConnListener(s.conn)
	go func() { _ = s.srv.Serve(ln); close(s.done) }()
	t.Cleanup(s.close)
	return s
}

func (s *session) healthCheck(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		_, err = grpcUnframe(body)
	}
	if err != nil {
		s.mu.Lock()
		s.other = append(s.other, fmt.Sprintf("%s (bad request: %v)", r.URL.Path, err))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Grpc-Status", "13")
		return
	}
	s.mu.Lock()
	s.checks = append(s.checks, time.Now())
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/grpc")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(grpcFrame([]byte{0x08, 0x01})) // HealthCheckResponse{status: SERVING}
	w.Header().Set(http.TrailerPrefix+"Grpc-Status", "0")
}

func (s *session) unimplemented(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.other = append(s.other, r.URL.Path)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/grpc")
	w.Header().Set("Grpc-Status", "12") // UNIMPLEMENTED, trailers-only
}

// checksSince returns the times of the health checks after since.
func (s *session) checksSince(since time.Time) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Time
	for _, c := range s.checks {
		if c.After(since) || c.Equal(since) {
			out = append(out, c)
		}
	}
	return out
}

func (s *session) otherCalls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.other)
}

// waitChecks waits for n health checks and returns their times.
func (s *session) waitChecks(t *testing.T, n int, within time.Duration) []time.Time {
	t.Helper()
	if !waitFor(within, func() bool { return len(s.checksSince(time.Time{})) >= n }) {
		t.Fatalf("dockerd made %d of %d health checks on the session within %v; other calls %v; dockerd log:\n%s",
			len(s.checksSince(time.Time{})), n, within, s.otherCalls(), tail(env.daemon.log.String(), 2000))
	}
	return s.checksSince(time.Time{})
}

// close stops serving and closes the connection; the daemon drops the
// session at its next health check.
func (s *session) close() {
	_ = s.srv.Close()
	_ = s.conn.Close()
	<-s.done
}

// oneConnListener hands out one connection, then blocks until closed.
type oneConnListener struct {
	conns  chan net.Conn
	addr   net.Addr
	closed chan struct{}
	once   sync.Once
}

func newOneConnListener(c net.Conn) *oneConnListener {
	l := &oneConnListener{conns: make(chan net.Conn, 1), addr: c.LocalAddr(), closed: make(chan struct{})}
	l.conns <- c
	return l
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	select {
	case <-l.closed:
		return nil, net.ErrClosed
	default:
	}
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *oneConnListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return l.addr }
