package streamsafe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultIdleTimeout is how long Handler lets a read or write make no
// progress before it cuts the request, unless IdleTimeout says otherwise.
const DefaultIdleTimeout = time.Minute

// maxChunk splits large writes so that progress is seen at least this often,
// even when a handler hands over megabytes in one Write on a slow link.
const maxChunk = 128 << 10

// Why a request ended early. Causes wrap one of these and the underlying
// error, so errors.Is works for both (for example ErrWrite and
// syscall.EPIPE).
var (
	ErrIdleTimeout = errors.New("streamsafe: idle limit hit")
	ErrMaxDuration = errors.New("streamsafe: max duration hit")
	ErrClientGone  = errors.New("streamsafe: client gone")
	// ErrStopped means the request's context ended with a cause of the
	// caller's (context.WithCancelCause, a deadline) rather than because
	// the client left; the cause is wrapped too. A server stopping its
	// streams uses it to say so.
	ErrStopped  = errors.New("streamsafe: request stopped")
	ErrWrite    = errors.New("streamsafe: response write failed")
	ErrRead     = errors.New("streamsafe: request body read failed")
	ErrUpstream = errors.New("streamsafe: upstream failed")
	ErrPanic    = errors.New("streamsafe: handler panicked")
	// ErrAborted means the handler panicked with http.ErrAbortHandler and
	// nothing told Handler why.
	ErrAborted = errors.New("streamsafe: handler aborted the response")
)

// Option configures Handler.
type Option func(*config)

type config struct {
	idle      time.Duration
	max       time.Duration
	logger    *slog.Logger
	onDone    func(Record)
	openEnded bool
}

// IdleTimeout sets how long a read of the request body or a write of the
// response may make no progress before the request is cut. A handler that
// simply has nothing to send is not cut. Progress is seen at least every
// 128 KiB, so the limit also asks a peer to move 128 KiB per period.
// Zero disables the limit. The default is DefaultIdleTimeout.
func IdleTimeout(d time.Duration) Option {
	return func(c *config) { c.idle = max(d, 0) }
}

// MaxDuration caps the whole request, progress or not. Zero, the default,
// means no cap. Hijacked connections are not capped.
func MaxDuration(d time.Duration) Option {
	return func(c *config) { c.max = max(d, 0) }
}

// OpenEnded marks a stream that has no end of its own (an event stream, a
// log follow): a client leaving is how it normally ends, so that record is
// logged at INFO rather than WARN. It is still recorded as client_gone.
func OpenEnded() Option {
	return func(c *config) { c.openEnded = true }
}

// Logger sets where aborted and failed requests are logged. The default is
// slog.Default().
func Logger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// OnDone registers f to be called once per request, after the handler
// returns and before a response is aborted, for example to feed metrics.
func OnDone(f func(Record)) Option {
	return func(c *config) { c.onDone = f }
}

// Record describes one finished request.
type Record struct {
	Method string
	Path   string
	Status int // 0 when no status was sent
	// BytesIn and BytesOut count body bytes, and for a hijacked
	// connection also what crossed it afterwards (an upgraded stream's
	// traffic, not the bytes the server had buffered before the hijack).
	BytesIn  int64
	BytesOut int64
	Duration time.Duration
	// Cause says why the request failed or ended early; nil when it
	// completed.
	Cause error
	// Aborted reports that the response was cut, so the client sees an error.
	Aborted  bool
	Hijacked bool
}

// Reason returns a short fixed label for Cause, suitable as a metric label:
// "" (completed), "idle", "max_duration", "client_gone", "stopped",
// "write", "read", "upstream", "panic" or "aborted".
func (r Record) Reason() string {
	switch {
	case r.Cause == nil:
		return ""
	case errors.Is(r.Cause, ErrIdleTimeout):
		return "idle"
	case errors.Is(r.Cause, ErrMaxDuration):
		return "max_duration"
	case errors.Is(r.Cause, ErrClientGone):
		return "client_gone"
	case errors.Is(r.Cause, ErrStopped):
		return "stopped"
	case errors.Is(r.Cause, ErrUpstream):
		return "upstream"
	case errors.Is(r.Cause, ErrWrite):
		return "write"
	case errors.Is(r.Cause, ErrRead):
		return "read"
	case errors.Is(r.Cause, ErrPanic):
		return "panic"
	default:
		return "aborted"
	}
}

// Handler wraps h so that a request is bounded by inactivity rather than by
// an absolute deadline, and so that a request that ends early says why.
//
// A read of the request body or a write of the response that makes no
// progress for the idle limit is cut; a stream of any length that keeps
// moving, or that waits quietly for data, is not. Absolute deadlines that the
// server's ReadTimeout and WriteTimeout put on the request are cleared, so
// wrapping a route is enough to let it stream.
//
// When a request ends early — a failed write (broken pipe, connection reset,
// i/o timeout), the client going away, an upstream error after the response
// started (reported by NewReverseProxy), the idle limit or the hard cap —
// Handler cancels the request context with that cause (see Cause), logs
// exactly one record with method, path, status, bytes in and out, duration
// and cause, calls OnDone, and panics with http.ErrAbortHandler so net/http
// aborts the response. It does so even when h returned normally, because
// ending a truncated response cleanly would tell the client it was complete.
//
// A request body that cannot be read, or an upstream error answered with 502,
// is recorded and logged as a failed request but not aborted: the response
// the handler gives is complete.
//
// For a request with a body Handler enables full duplex
// (http.ResponseController.EnableFullDuplex): h may go on reading the body
// after its response started, as a proxy does when the upstream answers
// an upload early. Without it net/http silently drops up to 256 KiB of
// the body at that point.
//
// Ordinary panics are passed on after OnDone; use Recover to log them.
// The ResponseWriter given to h supports Flush, Hijack and Unwrap, so
// http.ResponseController works through it. After a hijack Handler leaves the
// connection alone.
func Handler(h http.Handler, opts ...Option) http.Handler {
	c := config{idle: DefaultIdleTimeout, logger: slog.Default()}
	for _, o := range opts {
		o(&c)
	}
	return &handler{next: h, cfg: c}
}

type handler struct {
	next http.Handler
	cfg  config
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := &stream{
		cfg:    &h.cfg,
		rc:     *http.NewResponseController(w),
		start:  time.Now(),
		method: r.Method,
		path:   r.URL.Path,
	}
	s.base = valueOnly{Context: r.Context(), s: s}
	s.w = responseWriter{ResponseWriter: w, s: s}
	ctx, cancel := context.WithCancelCause(&s.base)
	s.cancel = cancel
	wake := s.wake // one func value serves both callbacks below
	s.stopParent = context.AfterFunc(r.Context(), wake)

	// The server's ReadTimeout and WriteTimeout are absolute: they would cut
	// the stream however healthy it is. Progress decides instead.
	if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok {
		if srv.WriteTimeout > 0 {
			s.rc.SetWriteDeadline(time.Time{})
		}
		if srv.ReadTimeout > 0 {
			s.rc.SetReadDeadline(time.Time{})
		}
	}
	if d := s.nextCheck(0); d > 0 {
		s.mu.Lock() // watch reads s.timer
		s.timer = time.AfterFunc(d, wake)
		s.mu.Unlock()
	}

	r = r.WithContext(ctx)
	if r.Body != nil && r.Body != http.NoBody {
		s.body = body{ReadCloser: r.Body, s: s}
		r.Body = &s.body
		// By default an HTTP/1 server discards up to 256 KiB of a body
		// still unread when the response starts, and the handler reads on
		// after the gap: a proxied upload that the upstream answers
		// early (progress while it reads) silently loses data.
		_ = s.rc.EnableFullDuplex()
	}
	defer func() { s.finish(recover()) }()
	h.next.ServeHTTP(&s.w, r)
}

// stream is the state of one request under Handler; the writer, body and
// context parent live in it to save allocations.
type stream struct {
	cfg    *config
	rc     http.ResponseController // the writer Handler received
	base   valueOnly
	w      responseWriter
	body   body
	chunk  io.LimitedReader // for responseWriter.ReadFrom
	cancel context.CancelCauseFunc
	start  time.Time
	method string
	path   string

	stopParent func() bool

	// Written by the handler goroutine only.
	wroteHeader bool
	status      int
	bytesOut    int64

	bytesIn atomic.Int64
	// Written on the hijacked connection, from any goroutine (what is
	// read from it counts in bytesIn).
	hijackedOut atomic.Int64
	// Reads and writes in flight, and when one last started or finished
	// (nanoseconds since start). The watch timer cuts a read or write that
	// stays in flight with no progress for the idle limit.
	reads, writes atomic.Int32
	last          atomic.Int64
	// Set when the server's request context ends: the client went away.
	gone atomic.Bool

	mu       sync.Mutex
	timer    *time.Timer
	done     bool
	hijacked bool
	cause    error
	aborted  bool
	logged   bool // by a Handler further in
}

// valueOnly is the parent of the request context under Handler: it carries
// the server context's values without its cancellation, so that Handler
// decides when and why the request context ends (the server would cancel it
// without a cause, before the failed write even returns).
type valueOnly struct {
	context.Context
	s *stream
}

type streamKey struct{}

func (valueOnly) Deadline() (time.Time, bool) { return time.Time{}, false }
func (valueOnly) Done() <-chan struct{}       { return nil }
func (valueOnly) Err() error                  { return nil }

func (c *valueOnly) Value(key any) any {
	if key == (streamKey{}) {
		return c.s
	}
	return c.Context.Value(key)
}

func streamFrom(ctx context.Context) *stream {
	s, _ := ctx.Value(streamKey{}).(*stream)
	return s
}

// Cause reports why the request behind ctx ended early or failed, or nil. Under
// Handler it is the recorded cause; otherwise it is context.Cause(ctx) once
// ctx is done.
func Cause(ctx context.Context) error {
	if s := streamFrom(ctx); s != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.cause
	}
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}

func (s *stream) ioStart(n *atomic.Int32) {
	n.Add(1)
	s.last.Store(int64(time.Since(s.start)))
}

// ioEnd records the end of a read or write. Callers record a failure first,
// so that a failed write reports its own error rather than "client gone".
func (s *stream) ioEnd(n *atomic.Int32) {
	n.Add(-1)
	s.last.Store(int64(time.Since(s.start)))
	// parentDone skips the abort while I/O is in flight; if this one
	// succeeded, report the client here.
	if s.gone.Load() {
		s.abort(s.parentCause())
	}
}

// wake runs when the server's request context ends and on the request's
// timer.
func (s *stream) wake() {
	if s.base.Context.Err() != nil {
		s.parentDone()
	}
	s.watch()
}

// parentDone runs when the server's request context ended while the handler
// runs: the client went away, or a write failed and is about to say so.
func (s *stream) parentDone() {
	s.gone.Store(true)
	if s.reads.Load() == 0 && s.writes.Load() == 0 {
		s.abort(s.parentCause())
	}
}

// parentCause tells a client that left (net/http cancels the request
// context without a cause) from a caller that stopped the request with a
// cause of its own.
func (s *stream) parentCause() error {
	cause := context.Cause(s.base.Context)
	if cause == nil || errors.Is(cause, context.Canceled) {
		return ErrClientGone
	}
	return fmt.Errorf("%w: %w", ErrStopped, cause)
}

// abort records cause, unless one came first, cancels the request context
// and marks the response to be aborted.
func (s *stream) abort(cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.abortLocked(cause)
}

func (s *stream) abortLocked(cause error) {
	if s.done || s.hijacked {
		return
	}
	if s.cause == nil {
		s.cause = cause
	}
	s.aborted = true
	s.cancel(s.cause)
}

// fail records cause for a request that may still get a complete response:
// a 502 from the proxy, or an answer to a body that could not be read.
func (s *stream) fail(cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done && s.cause == nil {
		s.cause = cause
	}
}

// committed reports whether a status was sent, so an error can no longer be
// answered with one.
func (s *stream) committed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wroteHeader || s.hijacked
}

// nextCheck returns when watch should next look at the request, given the
// time since start, or 0 when there is nothing to watch.
func (s *stream) nextCheck(now time.Duration) time.Duration {
	next := s.cfg.idle
	if s.cfg.max > 0 && (next == 0 || s.cfg.max-now < next) {
		next = max(s.cfg.max-now, time.Nanosecond)
	}
	return next
}

// watch runs on the request's timer. It cuts a read or write that made no
// progress for the idle limit, and the request at the hard cap.
func (s *stream) watch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done || s.hijacked || s.timer == nil {
		return
	}
	now := time.Since(s.start)
	if s.cfg.max > 0 && now >= s.cfg.max {
		s.cutLocked(fmt.Errorf("%w: request ran %v: %w", ErrMaxDuration, s.cfg.max, os.ErrDeadlineExceeded))
		return
	}
	next := s.nextCheck(now)
	if idle := s.cfg.idle; idle > 0 {
		var what string
		switch {
		case s.writes.Load() > 0:
			what = "response write"
		case s.reads.Load() > 0:
			what = "request body read"
		}
		if what != "" {
			stalled := now - time.Duration(s.last.Load())
			if stalled >= idle {
				s.cutLocked(fmt.Errorf("%w: %s made no progress for %v: %w", ErrIdleTimeout, what, idle, os.ErrDeadlineExceeded))
				return
			}
			next = min(next, idle-stalled)
		}
	}
	s.timer.Reset(next)
}

// cutLocked aborts the request and unblocks a stuck read or write by moving
// the connection's deadlines into the past.
func (s *stream) cutLocked(cause error) {
	s.abortLocked(cause)
	past := time.Unix(1, 0)
	s.rc.SetWriteDeadline(past)
	s.rc.SetReadDeadline(past)
}

func (s *stream) finish(v any) {
	s.mu.Lock()
	s.done = true
	cause, aborted, hijacked, logged := s.cause, s.aborted, s.hijacked, s.logged
	s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
	}
	s.stopParent()

	repanic := false
	if v != nil {
		repanic = true
		if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			if cause == nil {
				cause = ErrAborted
			}
			aborted = true
		} else {
			cause = fmt.Errorf("%w: %v", ErrPanic, v)
		}
	}
	s.cancel(cause)

	status := s.status
	switch {
	case status != 0:
	case hijacked:
		// The handler wrote its 101 (or whatever it sent) on the
		// hijacked connection, as ReverseProxy does for upgrades.
		status = http.StatusSwitchingProtocols
	case !aborted && v == nil:
		status = http.StatusOK // what net/http sends for a handler that wrote nothing
	}
	rec := Record{
		Method:   s.method,
		Path:     s.path,
		Status:   status,
		BytesIn:  s.bytesIn.Load(),
		BytesOut: s.bytesOut + s.hijackedOut.Load(),
		Duration: time.Since(s.start),
		Cause:    cause,
		Aborted:  aborted,
		Hijacked: hijacked,
	}
	// Ordinary panics are logged, with their stack, by Recover or net/http.
	if cause != nil && !errors.Is(cause, ErrPanic) && !logged {
		s.log(rec)
	}
	if s.cfg.onDone != nil {
		s.cfg.onDone(rec)
	}
	if repanic {
		panic(v)
	}
	if aborted && !hijacked {
		panic(http.ErrAbortHandler)
	}
}

func (s *stream) log(rec Record) {
	level, msg := slog.LevelError, "request aborted"
	if !rec.Aborted {
		msg = "request failed"
	}
	switch {
	case errors.Is(rec.Cause, ErrClientGone) && s.cfg.openEnded:
		level = slog.LevelInfo
	case errors.Is(rec.Cause, ErrClientGone), errors.Is(rec.Cause, ErrStopped):
		level = slog.LevelWarn // nothing failed
	}
	s.cfg.logger.LogAttrs(s.base.Context, level, msg, rec.Attrs()...)
	markLogged(s.w.ResponseWriter, rec.Cause)
}

// Attrs returns the log attributes of an aborted or failed request, in
// the order Handler logs them; the cause must be set.
func (rec *Record) Attrs() []slog.Attr {
	return []slog.Attr{
		slog.String("method", rec.Method),
		slog.String("path", rec.Path),
		slog.Int("status", rec.Status),
		slog.Int64("bytes_in", rec.BytesIn),
		slog.Int64("bytes_out", rec.BytesOut),
		slog.Duration("duration", rec.Duration),
		slog.String("reason", rec.Reason()),
		slog.String("cause", rec.Cause.Error()),
	}
}
