package streamsafe

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
)

// Recover wraps h so that an ordinary panic is logged with its stack and
// answered with 500 when nothing was written yet; once the response has
// started it is aborted instead, so the client sees an error rather than a
// response that looks complete.
//
// A panic with http.ErrAbortHandler (also wrapped, matched with errors.Is) is
// re-panicked so net/http aborts the response. It is logged with its cause
// unless Handler, inside or outside Recover, already logged it. A nil logger
// means slog.Default().
func Recover(h http.Handler, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return &recoverer{next: h, logger: logger}
}

type recoverer struct {
	next   http.Handler
	logger *slog.Logger
}

func (rh *recoverer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := &recoverWriter{ResponseWriter: w}
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			if !rw.logged && requestOf(r.Context()) == nil {
				cause := "unknown: wrap the route with streamsafe.Handler to record it"
				if err := Cause(r.Context()); err != nil {
					cause = err.Error()
				}
				rh.logger.LogAttrs(r.Context(), slog.LevelError, "request aborted",
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.String("cause", cause),
				)
			}
			panic(http.ErrAbortHandler) // the exact value: net/http compares with ==
		}
		rh.logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("panic", fmt.Sprint(v)),
			slog.String("stack", string(debug.Stack())),
		)
		// Tell a Handler further out, so that its record names the panic
		// but does not log it again.
		req := requestOf(r.Context())
		cause := fmt.Errorf("%w: %v", ErrPanic, v)
		if rw.wroteHeader {
			if req != nil {
				req.abort(cause)
			}
			panic(http.ErrAbortHandler)
		}
		if req != nil {
			req.fail(cause)
		}
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}()
	rh.next.ServeHTTP(rw, r)
}

// recoverWriter notes whether the response has started.
type recoverWriter struct {
	http.ResponseWriter
	wroteHeader bool
	logged      bool // Handler logged the abort already
}

func (w *recoverWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.wroteHeader = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recoverWriter) Write(p []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(p)
}

func (w *recoverWriter) FlushError() error {
	w.wroteHeader = true
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *recoverWriter) Flush() { w.FlushError() }

func (w *recoverWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.wroteHeader = true
	}
	return conn, brw, err
}

func (w *recoverWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// markLogged tells a Recover or another Handler further out that the
// request's cause was logged already, so that it is logged once.
func markLogged(w http.ResponseWriter, cause error) {
	for {
		switch t := w.(type) {
		case *recoverWriter:
			t.logged = true
		case *responseWriter:
			t.s.mu.Lock()
			if t.s.cause == nil {
				t.s.cause = cause
			}
			t.s.logged = true
			t.s.mu.Unlock()
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}
