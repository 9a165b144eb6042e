package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/streamvet/streamvet/runtime/streamsafe"
)

// A relay carries an idle-class stream (docker events, logs --follow,
// stats, wait) once the daemon's response headers show one, so that a
// stream that sends nothing for hours holds as little as possible.
//
// Through net/http a stream holds for as long as it is open: the server's
// per-connection reader and writer (4 KiB each, net/http/server.go
// newBufioReader and newBufioWriterSize) and its 2 KiB chunk writer, the
// handler goroutine parked deep in ReverseProxy's copy loop with its copy
// buffer, the server's background-read goroutine, and the request with
// its headers and contexts. Hijacking alone releases none of it while the
// handler runs (hijackLocked hands the buffers to the hijacker). So the
// relay takes the client connection over at the response's WriteHeader,
// writes the headers itself, lets the handler return, and forwards the
// daemon's body bytes as they come, framing included (see framing), with
// one goroutine per direction that waits for the socket to become
// readable without a buffer and takes a pooled buffer only to move
// bytes. It keeps what the handler guarantees: the inactivity limit on
// each write to the client, one "request aborted" record with its cause
// and the client's identity, the metrics, the stream limits (the stream
// stays counted until it ends), and shutdown (it is cut with
// reason=stopped). The response carries "Connection: close": the client
// connection cannot go back to net/http.
type relay struct {
	h     *Handler
	ch    *classHandler
	req   *request
	limit time.Duration // per write to the client; 0: none

	daemon    net.Conn
	daemonRaw syscall.RawConn // nil: daemon reads block with a small buffer
	pending   []byte          // body bytes read with the headers
	frame     framing

	client    net.Conn
	clientRaw syscall.RawConn // nil: client reads block
	// clientBuffers: the client connection buffers what it reads (TLS),
	// so a readable socket and readable data are not the same.
	clientBuffers bool

	method, path string
	status       int
	start        time.Time

	bytesIn, bytesOut atomic.Int64
	running           atomic.Int32 // goroutines still to exit
	// finishing: the body's last bytes are being written, so a client
	// that leaves now has had (or will fail) the whole stream, and pump
	// ends the relay by that write's result.
	finishing atomic.Bool
	approved  bool // the handler ended cleanly: the relay owns the request
	stopCtx   func() bool

	mu    sync.Mutex
	ended bool
	cause error
}

// relayBufferSize is what one read from the daemon may move; buffers are
// taken per read, so an idle stream holds none.
const relayBufferSize = 32 << 10

var relayBuffers = sync.Pool{New: func() any { return new([relayBufferSize]byte) }}

// maxClientJunk bounds what a client may send on a stream it has no use
// for sending on (the request had no body; it may not pipeline after a
// response that closes the connection).
const maxClientJunk = 64 << 10

// relayable reports whether r may be relayed when the daemon answers with
// a stream: an HTTP/1.1 idle-class request without a body that sends
// nothing after its headers. Attach without an upgrade streams stdin
// on the same connection, so it keeps the handler's path.
func relayable(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodPost:
	default:
		return false
	}
	if !r.ProtoAtLeast(1, 1) || r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
		return false
	}
	p := r.URL.Path
	return len(p) < len("/attach") || p[len(p)-len("/attach"):] != "/attach"
}

// isStream reports whether res, the daemon's answer to req, is a stream:
// a body of unknown length.
func isStream(req *http.Request, res *http.Response) bool {
	switch {
	case req.Method == http.MethodHead, res.StatusCode < 200,
		res.StatusCode == http.StatusNoContent, res.StatusCode == http.StatusNotModified:
		return false
	}
	return res.ContentLength < 0 && (len(res.TransferEncoding) == 0 || res.TransferEncoding[0] == "chunked")
}

// newRelay readies a relay of the stream res arriving on daemon, whose
// reader holds the body bytes read with the headers.
func newRelay(req *request, daemon net.Conn, pending []byte, res *http.Response) *relay {
	rl := &relay{req: req, daemon: daemon, pending: pending, frame: framing{chunked: len(res.TransferEncoding) > 0},
		method: req.method, path: req.path, start: req.start}
	if sc, ok := daemon.(syscall.Conn); ok {
		rl.daemonRaw, _ = sc.SyscallConn()
	}
	return rl
}

// relayWriter is the ResponseWriter of a relayable request: at the
// response's WriteHeader, when the transport found a stream, it hands the
// client connection to the relay; afterwards it discards what the
// handler writes (the transport gave it an empty body).
type relayWriter struct {
	http.ResponseWriter
	h         *Handler
	ch        *classHandler
	req       *request
	hijacked  bool
	wroteHead bool
}

var errClientLeft = errors.New("the client left before the response started")

func (w *relayWriter) WriteHeader(code int) {
	rl := w.req.relay
	if w.wroteHead || rl == nil || code < 200 {
		if code >= 200 {
			w.wroteHead = true
		}
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.wroteHead = true
	rl.h, rl.ch, rl.limit = w.h, w.ch, w.h.limitFor(w.req.class)
	if err := rl.takeOver(w.ResponseWriter, code); err != nil {
		w.req.relay = nil
		rl.daemon.Close()
		if errors.Is(err, errClientLeft) {
			// Nothing to relay to; the handler records the client gone.
			w.ResponseWriter.WriteHeader(code)
			return
		}
		// The body is the relay's: an empty response would look complete.
		panic(http.ErrAbortHandler)
	}
	w.hijacked = true
}

func (w *relayWriter) Write(p []byte) (int, error) {
	if w.hijacked {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

func (w *relayWriter) FlushError() error {
	if w.hijacked {
		return nil
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *relayWriter) Flush() { _ = w.FlushError() }

// SetWriteDeadline and SetReadDeadline leave a relayed connection alone:
// its deadlines are the relay's.
func (w *relayWriter) SetWriteDeadline(t time.Time) error {
	if w.hijacked {
		return nil
	}
	return http.NewResponseController(w.ResponseWriter).SetWriteDeadline(t)
}

func (w *relayWriter) SetReadDeadline(t time.Time) error {
	if w.hijacked {
		return nil
	}
	return http.NewResponseController(w.ResponseWriter).SetReadDeadline(t)
}

func (w *relayWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// takeOver hijacks the client connection and writes the response headers
// with the body bytes that came with them. Once the connection is taken,
// failures end the relay with their cause rather than return.
func (rl *relay) takeOver(w http.ResponseWriter, code int) error {
	req := rl.req
	if !req.unlinkClient() {
		return errClientLeft
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return err
	}
	rl.client, rl.status = conn, code
	rl.clientRaw, rl.clientBuffers = rawConn(conn)
	// Bytes the client sent after its request: it has no use for them.
	if n := brw.Reader.Buffered(); n > 0 {
		rl.bytesIn.Add(int64(n))
	}
	var head bytes.Buffer
	head.WriteString("HTTP/1.1 ")
	head.WriteString(strconv.Itoa(code))
	head.WriteByte(' ')
	head.WriteString(http.StatusText(code))
	head.WriteString("\r\n")
	h := w.Header()
	for _, k := range []string{"Connection", "Content-Length", "Transfer-Encoding", "Keep-Alive"} {
		delete(h, k)
	}
	if _, ok := h["Date"]; !ok {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	_ = h.Write(&head)
	if rl.frame.chunked {
		head.WriteString("Transfer-Encoding: chunked\r\n")
	}
	head.WriteString("Connection: close\r\n\r\n")
	pending := rl.pending
	rl.pending = nil
	rl.send(head.Bytes(), pending)
	return nil
}

// run starts the relay's goroutines; the handler has returned.
func (rl *relay) run() {
	ctx := rl.req.ctx
	rl.running.Store(2)
	// Shutdown cuts the request through its context.
	rl.stopCtx = context.AfterFunc(ctx, func() {
		rl.end(fmt.Errorf("%w: %w", streamsafe.ErrStopped, context.Cause(ctx)))
	})
	go rl.pump()
	go rl.watch()
}

// abandon closes what the relay holds when the handler failed after all.
func (rl *relay) abandon() {
	rl.daemon.Close()
	if rl.client != nil {
		rl.client.Close()
	}
}

// send writes head and then the body bytes p to the client, as far as
// they belong to the body, under the inactivity limit; it ends the relay
// at the end of the body or on a failure, and reports whether to go on.
func (rl *relay) send(head, p []byte) bool {
	n, payload, bodyEnded, ferr := rl.frame.scan(p)
	p = p[:n]
	if bodyEnded && ferr == nil {
		rl.finishing.Store(true)
	}
	if rl.limit > 0 {
		_ = rl.client.SetWriteDeadline(time.Now().Add(rl.limit))
	}
	var err error
	switch {
	case len(head) > 0 && len(p) > 0:
		bufs := net.Buffers{head, p}
		_, err = bufs.WriteTo(rl.client)
	case len(head) > 0:
		_, err = rl.client.Write(head)
	case len(p) > 0:
		_, err = rl.client.Write(p)
	}
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = fmt.Errorf("%w: response write made no progress for %v: %w", streamsafe.ErrIdleTimeout, rl.limit, os.ErrDeadlineExceeded)
		} else {
			err = fmt.Errorf("%w: %w", streamsafe.ErrWrite, err)
		}
		rl.end(err)
		return false
	}
	rl.bytesOut.Add(payload)
	switch {
	case ferr != nil:
		rl.end(fmt.Errorf("%w: %w", streamsafe.ErrUpstream, ferr))
		return false
	case bodyEnded:
		rl.end(nil)
		return false
	}
	return true
}

// pump forwards the daemon's bytes to the client.
func (rl *relay) pump() {
	defer rl.exit()
	var small []byte // a daemon connection without a raw socket (TLS)
	for {
		var buf *[relayBufferSize]byte
		var p []byte
		if rl.daemonRaw != nil {
			if err := waitReadable(rl.daemonRaw); err != nil {
				rl.end(fmt.Errorf("%w: %w", streamsafe.ErrUpstream, err))
				return
			}
			buf = relayBuffers.Get().(*[relayBufferSize]byte)
			p = buf[:]
		} else {
			if small == nil {
				small = make([]byte, smallBufferSize)
			}
			p = small
		}
		n, err := rl.daemon.Read(p)
		goOn := n == 0 || rl.send(nil, p[:n])
		if buf != nil {
			relayBuffers.Put(buf)
		}
		if !goOn {
			return
		}
		if err != nil {
			if err == io.EOF {
				if !rl.frame.chunked {
					rl.end(nil) // the body ends with the connection
					return
				}
				err = io.ErrUnexpectedEOF
			}
			rl.end(fmt.Errorf("%w: %w", streamsafe.ErrUpstream, err))
			return
		}
	}
}

// watch notices the client leaving, and discards what it sends.
func (rl *relay) watch() {
	defer rl.exit()
	if rl.clientBuffers && !rl.drainClient() {
		return
	}
	for {
		if rl.clientRaw != nil {
			if err := waitReadable(rl.clientRaw); err != nil {
				rl.clientGone()
				return
			}
		}
		if rl.clientBuffers {
			// A socket that is readable may hold only part of a TLS record:
			// wait a moment for the rest, then go back to waiting without
			// a buffer.
			_ = rl.client.SetReadDeadline(time.Now().Add(time.Second))
		}
		var buf [256]byte
		n, err := rl.client.Read(buf[:])
		if !rl.discard(n, err) {
			return
		}
		if rl.clientBuffers && !rl.drainClient() {
			return
		}
	}
}

// drainClient reads what a buffering connection holds already, without
// waiting, and clears the read deadline. It reports whether to go on.
func (rl *relay) drainClient() bool {
	for {
		_ = rl.client.SetReadDeadline(longAgo)
		var buf [256]byte
		n, err := rl.client.Read(buf[:])
		if !rl.discard(n, err) {
			return false
		}
		if err != nil || n == 0 {
			break
		}
	}
	_ = rl.client.SetReadDeadline(time.Time{})
	return true
}

// discard counts what the client sent; a timeout means it sent nothing
// more. It reports whether to go on.
func (rl *relay) discard(n int, err error) bool {
	if rl.bytesIn.Add(int64(n)) > maxClientJunk {
		rl.end(fmt.Errorf("%w: the client sent %d bytes on a stream that takes none", streamsafe.ErrRead, maxClientJunk))
		return false
	}
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		rl.clientGone()
		return false
	}
	return true
}

// clientGone ends the relay for a client that left, unless the body's
// last bytes are being written: a client that read them all may close at
// once (the relay closes the connection after the body), and the stream
// ended whole.
func (rl *relay) clientGone() {
	if !rl.finishing.Load() {
		rl.end(streamsafe.ErrClientGone)
	}
}

// end records cause (nil: the body ended), unless the relay ended
// already, and closes both connections, which ends both goroutines.
func (rl *relay) end(cause error) {
	rl.mu.Lock()
	first := !rl.ended
	if first {
		rl.ended, rl.cause = true, cause
	}
	rl.mu.Unlock()
	if !first {
		return
	}
	rl.daemon.Close()
	if cause != nil {
		// An abort must not look like a clean end: no TLS close_notify.
		if nc, ok := rl.client.(interface{ NetConn() net.Conn }); ok {
			nc.NetConn().Close()
			return
		}
	}
	rl.client.Close()
}

// exit ends a goroutine; the last one records the request.
func (rl *relay) exit() {
	if rl.running.Add(-1) == 0 {
		rl.finish()
	}
}

// finish logs an aborted stream once, as streamsafe.Handler does, feeds
// the metrics and releases the request.
func (rl *relay) finish() {
	rl.client.Close() // after an abort only the raw connection was closed
	rl.mu.Lock()
	cause := rl.cause
	rl.mu.Unlock()
	req, h := rl.req, rl.h
	rec := streamsafe.Record{
		Method:   rl.method,
		Path:     rl.path,
		Status:   rl.status,
		BytesIn:  rl.bytesIn.Load(),
		BytesOut: rl.bytesOut.Load(),
		Duration: time.Since(rl.start),
		Cause:    cause,
		Aborted:  cause != nil,
	}
	if cause != nil {
		level := slog.LevelError
		switch {
		case errors.Is(cause, streamsafe.ErrClientGone):
			level = slog.LevelInfo // how an open-ended stream ends
		case errors.Is(cause, streamsafe.ErrStopped):
			level = slog.LevelWarn
		}
		h.log.LogAttrs(req.ctx, level, "request aborted", rec.Attrs()...)
	}
	h.done(rl.ch, req, rec)
	rl.stopCtx()
	req.cancel(nil)
	h.release(req)
	rl.ch.active.Dec()
}

// rawConn returns the socket under c to wait on, and whether c buffers
// what it reads from it (a TLS connection).
func rawConn(c net.Conn) (syscall.RawConn, bool) {
	if sc, ok := c.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			return rc, false
		}
		return nil, false
	}
	if nc, ok := c.(interface{ NetConn() net.Conn }); ok {
		rc, _ := rawConn(nc.NetConn())
		return rc, rc != nil
	}
	return nil, false
}
