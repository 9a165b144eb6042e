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
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

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
}

// Run serves until ctx is cancelled, then shuts down gracefully. It
// returns nil after a clean shutdown.
func Run(ctx context.Context, c Config) error {
	tracked := &trackingListener{Listener: c.Listener, conns: map[net.Conn]struct{}{}}
	var ln net.Listener = tracked
	if c.TLS != nil {
		hl := newHandshakeListener(tracked, c.TLS, c.ReadHeaderTimeout, c.Logger)
		defer hl.Close()
		ln = hl
	}
	base, cancelBase := context.WithCancelCause(context.Background())
	defer cancelBase(nil)
	srv := &http.Server{
		Handler:           streamsafe.Recover(c.Handler, c.Logger),
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
// closed, so shutdown can close hijacked connections too.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
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
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
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

	conns     chan net.Conn
	acceptErr chan error
	done      chan struct{}
	closeOnce sync.Once
}

func newHandshakeListener(ln net.Listener, config *tls.Config, timeout time.Duration, log *slog.Logger) *handshakeListener {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	l := &handshakeListener{Listener: ln, config: config, timeout: timeout, log: log,
		conns: make(chan net.Conn), acceptErr: make(chan error), done: make(chan struct{})}
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
		l.log.Debug("TLS handshake failed", "remote", c.RemoteAddr().String(), "error", err)
		_ = c.Close()
		return
	}
	select {
	case l.conns <- tc:
	case <-l.done:
		_ = tc.Close()
	}
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
