// Recovers that look like swallowing but cannot, and re-panics in shapes
// real recovery middleware uses.
package precision

import (
	"errors"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"

	"abortrecover/lib"
)

var proxy = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "localhost:2375"})

// A library recover that guards reflection, called in a handler.
func assertion(w http.ResponseWriter, r *http.Request) {
	if lib.Contains([]string{"a"}, r.URL.Path) { // ok: nothing Contains protects can abort
		w.WriteHeader(http.StatusNoContent)
	}
	proxy.ServeHTTP(w, r)
}

// A probe callback that is given neither the response nor the request.
func probe(w http.ResponseWriter, r *http.Request) {
	if !lib.Probe(func() error { return nil }) { // ok: the callback cannot abort
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	proxy.ServeHTTP(w, r)
}

// The same library guard around a callback that serves the proxy.
func safely(w http.ResponseWriter, r *http.Request) {
	lib.Safely(func() { proxy.ServeHTTP(w, r) }) // want `lib.Safely recovers panics without re-panicking http.ErrAbortHandler, so calling it in handler safely swallows aborts raised inside it`
}

// A recover around code that only writes: nothing can abort there.
func writesOnly(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil { // ok: nothing it protects can panic with http.ErrAbortHandler
			log.Print(v)
		}
	}()
	lib.Status(w, http.StatusOK)
	w.Write([]byte("ok"))
}

// isAbort is a predicate helper, as recovery middleware often has.
func isAbort(v any) bool {
	err, ok := v.(error)
	return ok && errors.Is(err, http.ErrAbortHandler)
}

func isAbortEq(v any) bool { return v == http.ErrAbortHandler }

func viaPredicate(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if rec := recover(); rec != nil {
			if isAbort(rec) {
				panic(rec) // ok: re-panicked behind a predicate
			}
			log.Print(rec)
		}
	}()
	proxy.ServeHTTP(w, r)
}

func viaPredicateEq(w http.ResponseWriter, r *http.Request) {
	defer func() {
		rec := recover()
		if rec == nil {
			return
		}
		if !isAbortEq(rec) {
			log.Print(rec)
			return
		}
		panic(rec) // ok: only aborts reach it, and they do
	}()
	proxy.ServeHTTP(w, r)
}

type loggingWriter struct {
	http.ResponseWriter
	code int
}

// A condition that does not involve the recovered value surrounds both the
// recover and the panic: when it fails, nothing is recovered at all.
func logged(w http.ResponseWriter, r *http.Request) {
	lw := &loggingWriter{ResponseWriter: w}
	defer func() {
		if lw.code == 0 {
			if rec := recover(); rec != nil {
				log.Print(rec)
				panic(rec) // ok: every recovered value is re-panicked
			}
		}
	}()
	proxy.ServeHTTP(lw, r)
}

type finishingWriter struct {
	http.ResponseWriter
	wrote bool
}

// finalize answers 500 when nothing was written yet and aborts otherwise:
// a cut response must not look complete.
func (fw *finishingWriter) finalize() {
	if fw.wrote {
		panic(http.ErrAbortHandler)
	}
	fw.WriteHeader(http.StatusInternalServerError)
}

func finishing(w http.ResponseWriter, r *http.Request) {
	fw := &finishingWriter{ResponseWriter: w}
	defer func() {
		if rec := recover(); rec != nil {
			defer fw.finalize() // ok: raises http.ErrAbortHandler once the response started
			log.Print(rec)
		}
	}()
	proxy.ServeHTTP(fw, r)
}

// handled reports whether the panic was answered; when it was, the
// recovery below returns before its re-panic.
func handled(w http.ResponseWriter, v any) bool {
	http.Error(w, "internal error", http.StatusInternalServerError)
	return true
}

func earlyReturn(w http.ResponseWriter, r *http.Request) {
	defer func() {
		rec := recover() // want `recover in the function deferred by handler earlyReturn swallows http.ErrAbortHandler`
		if handled(w, rec) {
			return
		}
		if rec != nil {
			panic(rec)
		}
	}()
	proxy.ServeHTTP(w, r)
}

// A websocket-style upgrade: after Hijack net/http writes no response, so
// a recover cannot make a cut response look complete.
func upgrade(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	defer func() {
		if v := recover(); v != nil { // ok: the connection is hijacked
			log.Print(v)
		}
	}()
	serveFrames(conn, r)
}

// serveFrames runs handlers of the protocol carried over the connection.
func serveFrames(conn any, r *http.Request) {
	var h http.Handler = http.NotFoundHandler()
	h.ServeHTTP(nil, r)
}

// The same shape in front of a mux that routes to the proxy.
func recoverAll(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil { // want `recover in the function deferred by the handler closure in recoverAll swallows`
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func gateway() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/v1/", proxy)
	return recoverAll(mux)
}

// handlePanic is deferred by handlers of this package that answer with
// JSON: nothing they run can panic with http.ErrAbortHandler.
func handlePanic(w http.ResponseWriter) {
	if e := recover(); e != nil { // ok: every handler deferring it is in view, none aborts
		log.Print(e)
		w.WriteHeader(http.StatusInternalServerError)
	}
}

func graphHandler(w http.ResponseWriter, r *http.Request) {
	defer handlePanic(w)
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"nodes":[]}`))
}

func meshHandler() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer handlePanic(w)
		w.Write([]byte(`{"mesh":{}}`))
	}
}

// exitOnPanic ends the process on any panic: no response is completed
// after it, so nothing looks complete.
type exitOnPanic struct{ h http.Handler }

func (e *exitOnPanic) ServeHTTP(w http.ResponseWriter, r *http.Request) { // want ServeHTTP:"may abort"
	defer func() {
		if err := recover(); err != nil { // ok: the process exits
			log.Printf("panic: %v", err)
			os.Exit(1)
		}
	}()
	e.h.ServeHTTP(w, r)
}

var _ = &exitOnPanic{h: proxy}
