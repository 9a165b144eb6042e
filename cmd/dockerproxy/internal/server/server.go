// Package server runs the proxy's listeners and its graceful shutdown.
//
// The HTTP server has no absolute timeouts (ReadTimeout, WriteTimeout):
// they would cut pushes, builds and event streams. It has
// ReadHeaderTimeout, so a client that trickles its headers is cut, and
// IdleTimeout for keep-alive connections. Long requests are bounded by the
// inactivity limits of package proxy instead.
//
// Shutdown: stop accepting, cut idle-class streams at once (they never end
// on their own), let other requests finish within the grace period, then
// cut what is left, close every connection including hijacked ones (which
// http.Server.Shutdown does not track), and return.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/identity"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/metrics"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/proxy"
	"github.com/streamvet/streamvet/runtime/streamsafe"
)

// Config is what Run needs.
type Config struct {
	Listener net.Listener // plain TCP; wrapped in TLS when TLS is set
	TLS      *tls.Config  // nil: plain HTTP (only allowed on loopback by the caller)
	Handler  *proxy.Handler
	Logger   *slog.Logger
	// Grace is how long requests in flight may take after shutdown starts.
	Grace time.Duration
	// ReadHeaderTimeout bounds the time to receive request headers.
	ReadHeaderTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for the
	// next request.
	IdleTimeout time.Duration
	// Admin, when set, serves /healthz and /metrics.
	AdminListener net.Listener
	Admin         http.Handler
	// Limits caps client connections.
	Limits  ConnLimits
	Metrics *metrics.Metrics
}

// Run serves until ctx is cancelled, then shuts down gracefully. It
// returns nil after a clean shutdown.
func Run(ctx context.Context, c Config) error {
	if c.Metrics == nil {
		c.Metrics = metrics.New()
	}
	tracked := &trackingListener{Listener: c.Listener, conns: map[net.Conn]struct{}{},
		limiter: newConnLimiter(c.Limits, c.Logger, c.Metrics), log: c.Logger, m: c.Metrics,
		acceptWarn: &warnEvery{period: 10 * time.Second, burst: 1}}
	var ln net.Listener = tracked
	if c.TLS != nil {
		hl := newHandshakeListener(tracked, c.TLS, c.ReadHeaderTimeout, c.Logger, c.Metrics)
		defer hl.Close()
		ln = hl
	} else {
		tracked.claimOnAccept = true
	}
	base, cancelBase := context.WithCancelCause(context.Background())
	defer cancelBase(nil)
	srv := &http.Server{
		Handler:           limitHandler(streamsafe.Recover(c.Handler, c.Logger)),
		ConnContext:       connContext,
		ReadHeaderTimeout: c.ReadHeaderTimeout,
		IdleTimeout:       c.IdleTimeout,
		MaxHeaderBytes:    streamsafe.ServerMaxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(c.Logger.Handler(), slog.LevelDebug),
		// HTTP/2 is off (TLSNextProto empty map): Docker upgrades hijack
		// the connection, which HTTP/2 cannot do.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	var admin *http.Server
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if c.AdminListener != nil {
		admin = &http.Server{Handler: c.Admin, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
		go func() { errc <- admin.Serve(c.AdminListener) }()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	start := time.Now()
	c.Logger.Info("shutting down", "grace", c.Grace)
	// Shutdown closes the listeners first, then runs this: no idle stream
	// can start after the cut.
	srv.RegisterOnShutdown(func() {
		n := c.Handler.CancelIdle(proxy.ErrShutdown)
		c.Logger.Info("idle streams cut", "count", n)
	})
	gctx, cancel := context.WithTimeout(context.Background(), c.Grace)
	defer cancel()
	err := srv.Shutdown(gctx)
	if err == nil {
		// Shutdown does not wait for hijacked connections (attach, exec):
		// give them the rest of the grace period too.
		tick := time.NewTicker(50 * time.Millisecond)
		for c.Handler.InFlight() > 0 && gctx.Err() == nil {
			select {
			case <-gctx.Done():
			case <-tick.C:
			}
		}
		tick.Stop()
		err = gctx.Err()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		cut := c.Handler.CancelAll(proxy.ErrShutdown)
		c.Logger.Warn("grace period over, cutting remaining requests", "requests_cut", cut)
	}
	cancelBase(proxy.ErrShutdown)
	closed := tracked.closeAll() // hijacked connections, and any left over
	_ = srv.Close()
	// Let the cut handlers return and log their abort records before the
	// process exits.
	for wait := time.Now().Add(2 * time.Second); c.Handler.InFlight() > 0 && time.Now().Before(wait); {
		time.Sleep(10 * time.Millisecond)
	}
	if admin != nil {
		_ = admin.Close()
	}
	c.Logger.Info("stopped", "took", time.Since(start).Round(time.Millisecond), "connections_closed", closed)
	return nil
}

// trackingListener remembers every accepted connection until it is
// closed, so shutdown can close hijacked connections too, and counts
// them against the connection limits.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}

	limiter *connLimiter
	// claimOnAccept: plain HTTP, the client is known at accept; with TLS
	// the handshake listener claims after the handshake.
	claimOnAccept bool
	log           *slog.Logger
	m             *metrics.Metrics
	acceptWarn    *warnEvery
}

func (l *trackingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				// Too many open files locks every client out: say so
				// where an operator looks (net/http retries with backoff).
				l.m.AcceptErrors.Inc()
				l.acceptWarn.log(l.log, "accepting a connection failed", "error", err)
			}
			return nil, err
		}
		tc := &trackedConn{Conn: c, l: l}
		l.mu.Lock()
		l.conns[tc] = struct{}{}
		l.mu.Unlock()
		if l.claimOnAccept && !tc.claim("") {
			continue
		}
		return tc, nil
	}
}

func (l *trackingListener) closeAll() int {
	l.mu.Lock()
	list := make([]net.Conn, 0, len(l.conns))
	for c := range l.conns {
		list = append(list, c)
	}
	l.mu.Unlock()
	for _, c := range list {
		_ = c.Close()
	}
	return len(list)
}

type trackedConn struct {
	net.Conn
	l    *trackingListener
	once sync.Once

	key      string // per-client limit key, set by claim
	claimed  bool
	refusing bool // counted in connLimiter.refusing
	// refused, when set, is the answer to every request on the
	// connection: it is over a limit.
	refused atomic.Pointer[refusal]
}

// claim counts the connection against the limits, for the client named
// id (a verified certificate) or its IP address. Over a limit the
// connection is marked to be answered with the refusal; when too many are
// already waiting for theirs it is closed, and claim reports false.
func (c *trackedConn) claim(id string) bool {
	c.key = clientKey(c.Conn, id)
	c.claimed = true
	ref := c.l.limiter.claim(c.key, c.RemoteAddr().String())
	if ref == nil {
		return true
	}
	if c.l.limiter.refusing.Add(1) > maxRefusing {
		c.l.limiter.refusing.Add(-1)
		c.Close()
		return false
	}
	c.refusing = true
	c.refused.Store(ref)
	return true
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
		if c.claimed {
			c.l.limiter.release(c.key)
		}
		if c.refusing {
			c.l.limiter.refusing.Add(-1)
		}
	})
	return c.Conn.Close()
}

// SyscallConn gives the proxy's stream relay the socket to wait on.
func (c *trackedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

// CloseWrite half-closes the connection, so an upgraded stream can tell
// the client that the container's output ended while stdin stays open.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// handshakeListener completes each TLS handshake on a goroutine of its
// own and hands the server only established connections. The handshake
// grows its goroutine's stack to tens of KiB; done on the connection's
// serving goroutine, that stack would stay with a stream such as docker
// events for as long as it is open.
type handshakeListener struct {
	net.Listener
	config  *tls.Config
	timeout time.Duration
	log     *slog.Logger
	m       *metrics.Metrics
	// failWarn rate-limits the WARN records of failed handshakes: a
	// scanner must not flood the log.
	failWarn *warnEvery

	conns     chan net.Conn
	acceptErr chan error
	done      chan struct{}
	closeOnce sync.Once
}

func newHandshakeListener(ln net.Listener, config *tls.Config, timeout time.Duration, log *slog.Logger, m *metrics.Metrics) *handshakeListener {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	l := &handshakeListener{Listener: ln, config: config, timeout: timeout, log: log, m: m,
		failWarn: &warnEvery{period: 10 * time.Second, burst: 5},
		conns:    make(chan net.Conn), acceptErr: make(chan error), done: make(chan struct{})}
	go l.acceptLoop()
	return l
}

// acceptLoop hands every accept error to the server, which backs off on
// temporary ones (too many open files) as it does for any listener.
func (l *handshakeListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			select {
			case l.acceptErr <- err:
			case <-l.done:
				return
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		go l.handshake(c)
	}
}

func (l *handshakeListener) handshake(c net.Conn) {
	tc := tls.Server(c, l.config)
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		l.m.HandshakeFailures.Inc()
		var rh tls.RecordHeaderError
		if errors.As(err, &rh) && rh.Conn != nil && looksLikeHTTP(rh.RecordHeader) {
			// As net/http answers it, and dockerd: the docker CLI prints
			// the body.
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = io.WriteString(rh.Conn, "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
			err = errors.New("client sent plain HTTP to the TLS port")
		}
		l.failWarn.log(l.log, "TLS handshake failed", "remote", c.RemoteAddr().String(), "error", err)
		_ = c.Close()
		return
	}
	if tr, ok := c.(*trackedConn); ok {
		st := tc.ConnectionState()
		if !tr.claim(identity.FromTLS(&st)) {
			return
		}
	}
	select {
	case l.conns <- tc:
	case <-l.done:
		_ = tc.Close()
	}
}

// looksLikeHTTP reports whether a TLS record header is the start of a
// plain HTTP request.
func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO", "DELET", "PATCH", "CONNE":
		return true
	}
	return false
}

func (l *handshakeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.acceptErr:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handshakeListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}
