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

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/policy"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
)

// inlineTransport sends GET, HEAD and OPTIONS requests without a body over
// its own pool of keep-alive connections on the caller's goroutine, and
// every other request through next.
//
// http.Transport hands each request to a writer goroutine and each
// response back from a reader goroutine. Between processes on a small
// machine each hand-off can wake another thread, which is most of the
// latency a proxy adds to a short request such as HEAD /_ping; and every
// connection keeps both goroutines and their buffers while a stream such
// as GET /events stays open for hours. Here a request is written and its
// response read where ReverseProxy runs, and a cancelled request context
// unblocks the connection by moving its deadline into the past.
//
// Only requests that can be replayed take this path, so a pooled
// connection the daemon closed while idle is retried once on a new one.
// Request bodies and upgrades (attach, exec, BuildKit) stay with
// http.Transport, which writes the body while it reads the response.
type inlineTransport struct {
	next http.RoundTripper
	dial func(ctx context.Context) (net.Conn, error)

	mu   sync.Mutex
	idle []*inlineConn // most recently used last
}

const (
	inlineMaxIdle     = 64
	inlineIdleTimeout = 90 * time.Second // as http.DefaultTransport
	// A stream such as GET /events holds its connection's reader for as
	// long as it stays open; reads larger than it bypass it (ReverseProxy
	// reads 128 KiB at a time), and response headers longer than it are
	// read a part at a time.
	inlineReadBuffer = 1 << 10
)

// longAgo is a deadline in the past: it fails pending reads and writes.
var longAgo = time.Unix(1, 0)

type inlineConn struct {
	conn     net.Conn
	br       *bufio.Reader
	lastUsed time.Time
}

// requestWriters buffer a request's headers only while they are written:
// a connection kept open by a stream does not hold one.
var requestWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4<<10) }}

func writeRequest(conn net.Conn, req *http.Request) error {
	bw := requestWriters.Get().(*bufio.Writer)
	bw.Reset(conn)
	err := req.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	requestWriters.Put(bw)
	return err
}

func newInlineTransport(next http.RoundTripper, dial func(ctx context.Context) (net.Conn, error)) *inlineTransport {
	return &inlineTransport{next: next, dial: dial}
}

// relayRequest returns the request behind r when it may be relayed.
func relayRequest(r *http.Request) *request {
	if req, ok := r.Context().Value(requestKey{}).(*request); ok && req.relayable {
		return req
	}
	return nil
}

func takesInlinePath(r *http.Request) bool {
	req, ok := r.Context().Value(requestKey{}).(*request)
	if ok && req.relayable {
		return true // GET or POST without a body (docker wait)
	}
	// Bulk and progress responses keep http.Transport's large read buffer.
	if ok && req.class != route.Short && req.class != route.Idle {
		return false
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		return false
	}
	return (r.Body == nil || r.Body == http.NoBody) && r.ContentLength <= 0 &&
		r.Header.Get("Upgrade") == "" && len(r.TransferEncoding) == 0
}

func (t *inlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !takesInlinePath(req) {
		return t.next.RoundTrip(req)
	}
	ctx := req.Context()
	for {
		var c *inlineConn
		var reused bool
		if replayable(req.Method) {
			c, reused = t.get()
		}
		if c == nil {
			conn, err := t.dial(ctx)
			if err != nil {
				return nil, err
			}
			c = &inlineConn{conn: conn, br: bufio.NewReaderSize(conn, inlineReadBuffer)}
		}
		res, err := t.roundTrip(c, req)
		if err == nil {
			return res, nil
		}
		// A connection that sat in the pool may have been closed by the
		// daemon; nothing of the response arrived, so send it again.
		// Only replayable requests take pooled connections.
		var stale *beforeResponseError
		if reused && ctx.Err() == nil && errors.As(err, &stale) {
			continue
		}
		return nil, err
	}
}

// beforeResponseError is a failure before any byte of the response
// arrived: on a pooled connection, most likely one the daemon closed.
type beforeResponseError struct{ err error }

func (e *beforeResponseError) Error() string { return e.err.Error() }
func (e *beforeResponseError) Unwrap() error { return e.err }

func (t *inlineTransport) roundTrip(c *inlineConn, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(longAgo) })
	fail := func(err error) (*http.Response, error) {
		stop()
		c.conn.Close()
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	if err := writeRequest(c.conn, req); err != nil {
		return fail(&beforeResponseError{err})
	}
	if _, err := c.br.Peek(1); err != nil {
		return fail(&beforeResponseError{err})
	}
	var res *http.Response
	for {
		var err error
		if res, err = http.ReadResponse(c.br, req); err != nil {
			return fail(err)
		}
		// 1xx interim responses (other than a switch, which needs an
		// upgrade request) precede the real one.
		if res.StatusCode >= 200 || res.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	if res.StatusCode == http.StatusSwitchingProtocols {
		return fail(errors.New("daemon switched protocols without an upgrade request"))
	}
	if rq := relayRequest(req); rq != nil && isStream(req, res) && !policy.Filters(req.Context()) {
		// The relay takes the connection and the body bytes read with
		// the headers; ReverseProxy gets the headers only. An answer the
		// policy filters (another client's events) is never relayed.
		if !stop() {
			return fail(errors.New("request cancelled"))
		}
		pending, _ := c.br.Peek(c.br.Buffered())
		rq.relay = newRelay(rq, c.conn, pending, res)
		res.Body = http.NoBody
		return res, nil
	}
	b := &inlineBody{body: res.Body, c: c, t: t, stop: stop, reuse: !res.Close}
	res.Body = b
	if req.Method == http.MethodHead || res.ContentLength == 0 {
		b.finish(true) // nothing to read: the connection is free now
	}
	return res, nil
}

// replayable reports whether a request may be sent again when a pooled
// connection turns out closed.
func replayable(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// get returns the most recently used idle connection, dropping those idle
// for too long.
func (t *inlineTransport) get() (*inlineConn, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for n := len(t.idle); n > 0; n = len(t.idle) {
		c := t.idle[n-1]
		t.idle = t.idle[:n-1]
		if time.Since(c.lastUsed) < inlineIdleTimeout {
			return c, true
		}
		c.conn.Close()
	}
	return nil, false
}

func (t *inlineTransport) put(c *inlineConn) {
	c.lastUsed = time.Now()
	t.mu.Lock()
	if len(t.idle) < inlineMaxIdle {
		t.idle = append(t.idle, c)
		c = nil
	}
	t.mu.Unlock()
	if c != nil {
		c.conn.Close()
	}
}

// inlineBody returns its connection to the pool when the response was read
// to the end, and closes it otherwise.
type inlineBody struct {
	body  io.ReadCloser
	c     *inlineConn
	t     *inlineTransport
	stop  func() bool
	reuse bool
	done  atomic.Bool
}

func (b *inlineBody) Read(p []byte) (int, error) {
	if b.done.Load() {
		return 0, io.EOF
	}
	n, err := b.body.Read(p)
	if err != nil {
		b.finish(err == io.EOF)
	}
	return n, err
}

// Close may run while a Read is blocked: closing the connection ends it.
func (b *inlineBody) Close() error {
	b.finish(false)
	return nil
}

func (b *inlineBody) finish(complete bool) {
	if b.done.Swap(true) {
		return
	}
	// stop reports false when the context already moved the deadline.
	if b.stop() && complete && b.reuse {
		b.t.put(b.c)
		return
	}
	b.c.conn.Close()
}
