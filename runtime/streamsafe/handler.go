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
	// Request is the request as Handler received it, so that one OnDone
	// can serve every request (its context carries the values of
	// middleware further out). Read it only; its body is spent.
	Request *http.Request
	Method  string
	Path    string
	Status  int // 0 when no status was sent
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
	s := streams.Get().(*stream)
	copied := new(requestCopy)
	ctx := &copied.ctx
	ctx.parent, ctx.s = r.Context(), s
	s.begin(&h.cfg, ctx, w, r)

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
		s.mu.Lock() // watch reads the timer
		if s.timer == nil {
			s.timer = time.AfterFunc(d, s.wake)
		} else {
			s.timer.Reset(d)
		}
		s.armed = true
		s.mu.Unlock()
	}

	copied.req = *r.WithContext(ctx) // inlined: its copy goes straight into copied
	r = &copied.req
	if r.Body != nil && r.Body != http.NoBody {
		s.hasBody = true
		s.body.ReadCloser = r.Body
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

// requestCopy is the request the handler gets and its context, in the one
// allocation per request that Handler cannot pool: a context may outlive
// its request, and net/http has no way to give a request another context
// but a copy of the whole Request (Request.WithContext).
type requestCopy struct {
	req http.Request
	ctx requestContext
}

// streams holds the state of finished requests for reuse. A stream goes
// back only when nothing can touch it any more: not after a hijack (the
// connection's copies count into it), not after a request with a body (a
// Transport may still be reading the body when the handler returns), and
// not when its timer or parent callback fired and may still be running.
var streams = sync.Pool{New: func() any {
	s := new(stream)
	s.wake = s.wakeUp // bound once: the timer's and the parent's callback
	s.w.s = s
	s.body.s = s
	return s
}}

// stream is the state of one request under Handler, reused across
// requests (see streams); the writer and body wrappers live in it.
// Everything a context that outlives the request can reach goes through
// requestContext, which checks gen.
type stream struct {
	wake  func()
	timer *time.Timer // made on first use, kept for the next request

	// Set by begin for each request.
	cfg     *config
	ctx     *requestContext
	req     *http.Request           // as Handler received it
	rc      http.ResponseController // the writer Handler received
	w       responseWriter
	body    body
	chunk   io.LimitedReader // for responseWriter.ReadFrom
	start   time.Time
	method  string
	path    string
	hasBody bool

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

	mu         sync.Mutex
	gen        uint64      // which request the stream serves; see requestContext
	armed      bool        // the timer runs for this request
	stopParent func() bool // set when the parent context is watched
	done       bool
	hijacked   bool
	cause      error
	aborted    bool
	logged     bool // by a Handler further in
}

// begin readies s for a request.
func (s *stream) begin(cfg *config, ctx *requestContext, w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx.gen = s.gen
	s.cfg, s.ctx, s.req = cfg, ctx, r
	s.rc = *http.NewResponseController(w)
	s.w.ResponseWriter = w
	s.start = time.Now()
	s.method, s.path = r.Method, r.URL.Path
	s.hasBody = false
	s.wroteHeader, s.status, s.bytesOut = false, 0, 0
	s.bytesIn.Store(0)
	s.hijackedOut.Store(0)
	s.reads.Store(0)
	s.writes.Store(0)
	s.last.Store(0)
	s.armed, s.stopParent = false, nil
	s.done, s.hijacked, s.aborted, s.logged = false, false, false, false
	s.cause = nil
}

// release drops what s holds of its request and returns it to streams.
func (s *stream) release() {
	s.mu.Lock()
	s.gen++ // contexts of the request no longer reach s
	s.cfg, s.ctx, s.req = nil, nil, nil
	s.rc = http.ResponseController{}
	s.w.ResponseWriter = nil
	s.body.ReadCloser = nil
	s.chunk = io.LimitedReader{}
	s.method, s.path = "", ""
	s.cause = nil
	s.stopParent = nil
	s.mu.Unlock()
	streams.Put(s)
}

type streamKey struct{}

func (s *stream) ioStart(n *atomic.Int32) {
	n.Add(1)
	s.last.Store(int64(time.Since(s.start)))
}

// ioEnd records the end of a read or write. Callers record a failure first,
// so that a failed write reports its own error rather than "client gone".
func (s *stream) ioEnd(n *atomic.Int32) {
	n.Add(-1)
	s.last.Store(int64(time.Since(s.start)))
	// The client may have left while this read or write was in flight
	// (parentDoneLocked leaves those alone); if it succeeded, report the
	// client here.
	if s.ctx.parent.Err() != nil {
		s.abort(s.parentCause())
	}
}

// wakeUp runs when the server's request context ends, if something
// watches the request context, and on the request's timer.
func (s *stream) wakeUp() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done || s.hijacked || s.ctx == nil {
		return
	}
	if s.ctx.parent.Err() != nil {
		s.parentDoneLocked()
	}
	s.watchLocked()
}

// watchParent arranges for the request to end when the server's request
// context ends: the client went away. Only a request whose context is
// watched needs it (see requestContext); others notice at their next read
// or write, or when the handler returns.
func (s *stream) watchParent(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen || s.done || s.hijacked || s.stopParent != nil {
		return
	}
	parent := s.ctx.parent
	if parent.Err() != nil {
		s.parentDoneLocked()
		return
	}
	s.stopParent = context.AfterFunc(parent, s.wake)
}

// parentDoneLocked runs when the server's request context ended while the
// handler runs: the client went away, or a write failed and is about to
// say so (then ioEnd reports it, after the write recorded its error).
func (s *stream) parentDoneLocked() {
	if s.reads.Load() == 0 && s.writes.Load() == 0 {
		s.abortLocked(s.parentCause())
	}
}

// parentCause tells a client that left (net/http cancels the request
// context without a cause) from a caller that stopped the request with a
// cause of its own.
func (s *stream) parentCause() error {
	cause := context.Cause(s.ctx.parent)
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
	s.ctx.cancel(s.cause)
}

// fail records cause for a request that may still get a complete response:
// a 502 from the proxy, or an answer to a body that could not be read.
func (s *stream) fail(cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLocked(cause)
}

func (s *stream) failLocked(cause error) {
	if !s.done && s.cause == nil {
		s.cause = cause
	}
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

// watchLocked runs on the request's timer. It cuts a read or write that
// made no progress for the idle limit, and the request at the hard cap.
func (s *stream) watchLocked() {
	if s.done || s.hijacked || !s.armed {
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
	ctx := s.ctx
	// A client that left while nobody watched the context (see
	// watchParent) is noticed here.
	clientLeft := ctx.parent.Err() != nil
	s.mu.Lock()
	if clientLeft {
		s.abortLocked(s.parentCause())
	}
	s.done = true
	cause, aborted, hijacked, logged := s.cause, s.aborted, s.hijacked, s.logged
	s.mu.Unlock()
	// done is set: neither watchParent nor the timer starts anything new.
	reusable := !hijacked && !s.hasBody
	if s.armed && !s.timer.Stop() {
		reusable = false // the callback may be running
	}
	if s.stopParent != nil && !s.stopParent() {
		reusable = false
	}

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
	ctx.end(cause)

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
		Request:  s.req,
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
	if cfg := s.cfg; cfg.onDone != nil {
		if reusable {
			s.release() // before the callback, which may take long
		}
		cfg.onDone(rec)
	} else if reusable {
		s.release()
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
	s.cfg.logger.LogAttrs(s.ctx.parent, level, msg, rec.Attrs()...)
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
