package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
)

// stream is the state of one request while it is proxied.
//
// Writes to the client happen on the handler goroutine; reads of the
// request body happen on the transport's goroutine. Each deadline field is
// owned by one of them; shared fields are atomic or under mu.
type stream struct {
	h      *Handler
	class  route.Class
	limit  time.Duration // 0: no inactivity limit
	silent bool          // silence (no bytes) cuts the stream
	rc     *http.ResponseController
	ctx    context.Context
	cancel context.CancelCauseFunc
	srvCtx context.Context // the server's request context, cancelled when the client goes away
	start  time.Time

	lastProgress atomic.Int64 // unix nanoseconds of the last byte moved
	hijacked     atomic.Bool
	bytesIn      atomic.Int64
	bytesOut     atomic.Int64

	writeDL  time.Time // when the write deadline was last moved (handler goroutine)
	readDL   time.Time // when the read deadline was last moved (body goroutine)
	wroteHdr bool
	status   int

	mu    sync.Mutex
	cause error // first recorded cause
	timer *time.Timer
}

func (s *stream) progress() { s.lastProgress.Store(time.Now().UnixNano()) }

// record keeps the first cause of a failure and cancels the upstream
// request with it.
func (s *stream) record(err error) {
	s.mu.Lock()
	if s.cause == nil {
		s.cause = err
	}
	s.mu.Unlock()
	s.cancel(err)
}

func (s *stream) recorded() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cause
}

// watch starts the silence watchdog. It costs one timer per request and
// one atomic store per read or write, instead of a timer reset per write.
func (s *stream) watch() {
	if !s.silent || s.limit <= 0 {
		return
	}
	s.progress()
	s.mu.Lock()
	s.timer = time.AfterFunc(s.limit, s.check)
	s.mu.Unlock()
}

func (s *stream) check() {
	if s.hijacked.Load() || s.ctx.Err() != nil {
		return
	}
	idle := time.Since(time.Unix(0, s.lastProgress.Load()))
	if idle >= s.limit {
		s.record(idleError(s.limit))
		return
	}
	s.mu.Lock()
	if s.timer != nil {
		s.timer.Reset(s.limit - idle)
	}
	s.mu.Unlock()
}

func (s *stream) stop() {
	s.mu.Lock()
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.mu.Unlock()
}

// extendWrite moves the write deadline to now+limit, at most four times per
// limit, so that a write blocked for about a limit fails with
// os.ErrDeadlineExceeded while a long transfer that keeps moving never
// does. It runs before each write, so a stream that was silent for longer
// than the limit starts its next write with a fresh deadline.
func (s *stream) extendWrite() {
	if s.limit <= 0 {
		return
	}
	now := time.Now()
	if now.Sub(s.writeDL) < s.limit/4 {
		return
	}
	s.writeDL = now
	_ = s.rc.SetWriteDeadline(now.Add(s.limit))
}

func (s *stream) extendRead() {
	if s.limit <= 0 {
		return
	}
	now := time.Now()
	if now.Sub(s.readDL) < s.limit/4 {
		return
	}
	s.readDL = now
	_ = s.rc.SetReadDeadline(now.Add(s.limit))
}

// responseWriter is the ResponseWriter handed to the ReverseProxy. It moves
// the write deadline on progress, counts bytes and records write errors.
// Unwrap lets http.ResponseController reach the server's writer; Hijack is
// implemented here so that the stream knows it was switched.
type responseWriter struct {
	http.ResponseWriter
	s *stream
}

func (w *responseWriter) WriteHeader(code int) {
	if !w.s.wroteHdr && code >= 200 {
		w.s.wroteHdr = true
		w.s.status = code
	}
	w.s.extendWrite()
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.s.wroteHdr {
		w.s.wroteHdr = true
		w.s.status = http.StatusOK
	}
	w.s.extendWrite()
	n, err := w.ResponseWriter.Write(p)
	if n > 0 {
		w.s.bytesOut.Add(int64(n))
		w.s.progress()
	}
	if err != nil {
		w.s.record(clientError("write to client", err, w.s.limit))
	}
	return n, err
}

func (w *responseWriter) Flush() {
	w.s.extendWrite()
	if err := w.s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		w.s.record(clientError("flush to client", err, w.s.limit))
	}
}

func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.s.hijacked.Store(true)
	w.s.stop()
	c, brw, err := w.s.rc.Hijack()
	if err == nil {
		w.s.status = http.StatusSwitchingProtocols
		w.s.wroteHdr = true
	}
	return c, brw, err
}

func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestBody wraps the client's request body: it moves the read deadline
// on progress, clears it at the end (a deadline left behind would cancel
// the request context once net/http starts its background read), and
// records read errors.
type requestBody struct {
	io.ReadCloser
	s    *stream
	done bool
}

func (b *requestBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	b.s.extendRead()
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.s.bytesIn.Add(int64(n))
		b.s.progress()
	}
	if err != nil {
		b.done = true
		if b.s.limit > 0 {
			_ = b.s.rc.SetReadDeadline(time.Time{})
		}
		if err != io.EOF {
			b.s.record(clientError("read request body", err, b.s.limit))
		}
	}
	return n, err
}

// upstreamBody wraps the daemon's response body: it counts progress and
// records read errors that are not the consequence of a cancellation
// already recorded.
type upstreamBody struct {
	io.ReadCloser
	s *stream
}

func (b *upstreamBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.s.progress()
	}
	if err != nil && err != io.EOF && b.s.ctx.Err() == nil {
		b.s.record(upstreamError(err))
	}
	return n, err
}
