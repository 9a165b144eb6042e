package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/metrics"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/proxy"
)

// ConnLimits cap the client connections the proxy holds open. One client
// holding thousands of connections (each docker events is one) would
// otherwise exhaust the process's file descriptors and lock every other
// client out. Zero means no limit.
type ConnLimits struct {
	// Total caps every client connection together; over it a new
	// connection is answered 503.
	Total int
	// PerClient caps the connections of one client: its verified
	// certificate's name, or without one its IP address. Over it a new
	// connection is answered 429.
	PerClient int
}

// maxRefusing bounds the connections held open only to be answered with
// an error; beyond it new ones are closed at once, so that a flood costs
// no more descriptors than the limit plus this.
const maxRefusing = 64

// refusal is why a connection is answered with an error and closed.
type refusal struct {
	code int
	msg  string
}

type connKey struct{}

// connLimiter counts connections in total and per client.
type connLimiter struct {
	limits   ConnLimits
	log      *slog.Logger
	m        *metrics.Metrics
	mu       sync.Mutex
	total    int
	perKey   map[string]int
	refusing atomic.Int32
	// warn rate-limits the records of refused connections: a flood of
	// them must not flood the log too.
	warn *warnEvery
}

func newConnLimiter(l ConnLimits, log *slog.Logger, m *metrics.Metrics) *connLimiter {
	return &connLimiter{limits: l, log: log, m: m, perKey: map[string]int{}, warn: &warnEvery{period: 10 * time.Second, burst: 5}}
}

// claim counts c for key and reports whether it must be refused; release
// undoes it when the connection closes. A refused connection is counted
// too, until it closes.
func (l *connLimiter) claim(key, remote string) *refusal {
	l.mu.Lock()
	l.total++
	l.perKey[key]++
	total, mine := l.total, l.perKey[key]
	l.mu.Unlock()
	l.m.Connections.Set(float64(total))
	var r *refusal
	switch {
	case l.limits.Total > 0 && total > l.limits.Total:
		l.m.Denied.WithLabelValues("connections").Inc()
		r = &refusal{http.StatusServiceUnavailable, fmt.Sprintf("dockerproxy: too many connections (limit %d); try again later", l.limits.Total)}
		l.warn.log(l.log, "connection refused", "reason", "connections", "limit", l.limits.Total, "client", key, "remote", remote)
	case l.limits.PerClient > 0 && mine > l.limits.PerClient:
		l.m.Denied.WithLabelValues("client_connections").Inc()
		r = &refusal{http.StatusTooManyRequests, fmt.Sprintf("dockerproxy: too many connections from this client (limit %d); close some (docker events, logs -f) and try again", l.limits.PerClient)}
		l.warn.log(l.log, "connection refused", "reason", "client_connections", "limit", l.limits.PerClient, "client", key, "remote", remote)
	}
	return r
}

func (l *connLimiter) release(key string) {
	l.mu.Lock()
	l.total--
	if l.perKey[key]--; l.perKey[key] <= 0 {
		delete(l.perKey, key)
	}
	total := l.total
	l.mu.Unlock()
	l.m.Connections.Set(float64(total))
}

// clientKey names the client of a connection for the per-client limit.
func clientKey(c net.Conn, id string) string {
	if id != "" {
		return id
	}
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	return c.RemoteAddr().String()
}

// limitHandler answers every request on a refused connection with the
// refusal and closes the connection; other requests go to next.
func limitHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rc, _ := r.Context().Value(connKey{}).(*trackedConn); rc != nil {
			if ref := rc.refused.Load(); ref != nil {
				w.Header().Set("Connection", "close")
				proxy.WriteError(w, ref.code, ref.msg)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// connContext puts the tracked connection into the request context, and
// the client name of a verified certificate, which is known per
// connection.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if nc, ok := c.(interface{ NetConn() net.Conn }); ok {
		if tc, ok := nc.NetConn().(*trackedConn); ok {
			return context.WithValue(ctx, connKey{}, tc)
		}
	}
	if tc, ok := c.(*trackedConn); ok {
		return context.WithValue(ctx, connKey{}, tc)
	}
	return ctx
}

// warnEvery rate-limits a WARN record: burst records per period, then
// none until the period ends; the next one says how many were
// suppressed.
type warnEvery struct {
	period time.Duration
	burst  int

	mu         sync.Mutex
	start      time.Time
	n          int // logged in this period
	suppressed int
}

func (w *warnEvery) log(log *slog.Logger, msg string, args ...any) {
	w.mu.Lock()
	now := time.Now()
	if now.Sub(w.start) >= w.period {
		w.start, w.n = now, 0
	}
	if w.n >= w.burst {
		w.suppressed++
		w.mu.Unlock()
		return
	}
	w.n++
	suppressed := w.suppressed
	w.suppressed = 0
	w.mu.Unlock()
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	log.Warn(msg, args...)
}
