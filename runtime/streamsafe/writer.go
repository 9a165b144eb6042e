package streamsafe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

// responseWriter notes progress and failures of the response. It keeps
// Flush, Hijack and Unwrap so that http.ResponseController and code that
// asserts http.Flusher or http.Hijacker keep working.
type responseWriter struct {
	http.ResponseWriter
	s *stream
}

func (w *responseWriter) WriteHeader(code int) {
	// 1xx responses other than 101 are informational; the real status follows.
	if !w.s.wroteHeader && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.s.wroteHeader = true
		w.s.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	s := w.s
	if !s.wroteHeader {
		s.wroteHeader = true
		s.status = http.StatusOK
	}
	total := 0
	for {
		chunk := p[:min(len(p), maxChunk)]
		s.ioStart(&s.writes)
		n, err := w.ResponseWriter.Write(chunk)
		total += n
		s.bytesOut += int64(n)
		// A body on a 204 or 304 is a handler bug, not a broken connection.
		if err != nil && err != http.ErrBodyNotAllowed {
			s.abort(fmt.Errorf("%w: %w", ErrWrite, err))
		}
		s.ioEnd(&s.writes)
		p = p[n:]
		if err != nil || len(p) == 0 {
			return total, err
		}
	}
}

// FlushError is what http.ResponseController.Flush calls: a flush can block
// on a stalled client just like a write.
func (w *responseWriter) FlushError() error {
	s := w.s
	if !s.wroteHeader {
		s.wroteHeader = true
		s.status = http.StatusOK
	}
	s.ioStart(&s.writes)
	err := s.rc.Flush()
	// A writer further out that cannot flush is not a broken connection.
	if err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.abort(fmt.Errorf("%w: %w", ErrWrite, err))
	}
	s.ioEnd(&s.writes)
	return err
}

func (w *responseWriter) Flush() { w.FlushError() }

// Hijack hands the connection over; from then on Handler applies no limits
// and sets no deadlines, and only counts the bytes that cross it.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	conn, brw, err := s.rc.Hijack()
	if err != nil {
		return conn, brw, err
	}
	s.hijacked = true
	return &countingConn{Conn: conn, s: s}, brw, nil
}

// countingConn counts an upgraded connection's bytes for the Record.
type countingConn struct {
	net.Conn
	s *stream
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.s.bytesIn.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.s.hijackedOut.Add(int64(n))
	return n, err
}

// CloseWrite forwards a half-close (ReverseProxy sends one when the
// backend ends its side of an upgraded stream). Without support in the
// connection it fails, which ends the copy as if the method were absent.
func (c *countingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// NetConn returns the hijacked connection, as tls.Conn.NetConn does.
func (c *countingConn) NetConn() net.Conn { return c.Conn }

func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ReadFrom keeps net/http's sendfile path for regular files, as used by
// http.ServeContent and io.Copy(w, file), a chunk at a time so that progress
// is still seen. Other sources go through Write, so that a slow source is
// not mistaken for a stalled client.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	rf, ok := w.ResponseWriter.(io.ReaderFrom)
	f, limit := regularFile(src)
	if !ok || f == nil {
		return io.Copy(writerOnly{w}, src)
	}
	s := w.s
	if !s.wroteHeader {
		s.wroteHeader = true
		s.status = http.StatusOK
	}
	var total int64
	var err error
	for limit != 0 {
		n := int64(maxChunk)
		if limit > 0 {
			n = min(n, limit)
		}
		s.chunk = io.LimitedReader{R: f, N: n}
		s.ioStart(&s.writes)
		var m int64
		m, err = rf.ReadFrom(&s.chunk)
		total += m
		s.bytesOut += m
		if limit > 0 {
			limit -= m
		}
		if err != nil {
			s.abort(fmt.Errorf("%w: %w", ErrWrite, err))
		}
		s.ioEnd(&s.writes)
		if err != nil || m < n {
			break
		}
	}
	if lr, ok := src.(*io.LimitedReader); ok {
		lr.N -= total
	}
	return total, err
}

// regularFile returns the regular file behind src and how much of it may be
// read (-1 for all), or nil.
func regularFile(src io.Reader) (*os.File, int64) {
	limit := int64(-1)
	if lr, ok := src.(*io.LimitedReader); ok {
		src, limit = lr.R, max(lr.N, 0)
	}
	f, ok := src.(*os.File)
	if !ok {
		return nil, 0
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, 0
	}
	return f, limit
}

// writerOnly hides ReadFrom, so that io.Copy uses Write.
type writerOnly struct{ io.Writer }

// body notes progress and failures of the request body.
type body struct {
	io.ReadCloser
	s *stream
}

func (b *body) Read(p []byte) (int, error) {
	s := b.s
	s.ioStart(&s.reads)
	n, err := b.ReadCloser.Read(p)
	s.bytesIn.Add(int64(n))
	// The handler may still answer a body it could not read, say with a 400:
	// record the cause, do not abort.
	if err != nil && err != io.EOF {
		s.fail(fmt.Errorf("%w: %w", ErrRead, err))
	}
	s.ioEnd(&s.reads)
	return n, err
}
