package timeouthandler

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

func status(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
}

func flushOnce(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "done")
	w.(http.Flusher).Flush() // a single flush at the end: not a stream
}

func bounded(w http.ResponseWriter, r *http.Request) {
	io.Copy(w, bytes.NewReader([]byte("small")))
	io.Copy(w, strings.NewReader("small"))
}

type api struct{}

func (api) ServeHTTP(w http.ResponseWriter, r *http.Request) { status(w, r) }

func negatives() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/status", http.TimeoutHandler(http.HandlerFunc(status), time.Second, ""))   // ok: writes once
	mux.Handle("/hello", http.TimeoutHandler(http.HandlerFunc(hello), time.Second, ""))     // ok: writes once
	mux.Handle("/flush", http.TimeoutHandler(http.HandlerFunc(flushOnce), time.Second, "")) // ok: flushes once, after the last write
	mux.Handle("/bounded", http.TimeoutHandler(http.HandlerFunc(bounded), time.Second, "")) // ok: copies bounded readers only
	mux.Handle("/api", http.TimeoutHandler(api{}, time.Second, ""))                         // ok: a handler type that writes once
	mux.Handle("/p/", proxy)                                                                // ok: the stream is not wrapped
	inner := http.NewServeMux()
	inner.HandleFunc("/a", status)
	inner.HandleFunc("/b", hello)
	mux.Handle("/inner/", http.TimeoutHandler(inner, time.Second, "")) // ok: no route of inner streams
	mux.Handle("/func", http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "literal") // ok: a literal that writes once
	}), time.Second, ""))
	return mux
}

// unusedWrapper is never called: nothing says what it wraps.
func unusedWrapper(h http.Handler) http.Handler { // want unusedWrapper:"wraps arg0 in http.TimeoutHandler \\(1s\\)"
	return http.TimeoutHandler(h, time.Second, "") // ok: h is a parameter and no caller passes a stream
}

type gate struct{}

// bound is a method wrapper: its callers are checked.
func (gate) bound(h http.Handler) http.Handler { // want bound:"wraps arg0 in http.TimeoutHandler \\(1s\\)"
	return http.TimeoutHandler(h, time.Second, "") // ok: h is a parameter
}

var gated = gate{}.bound(http.HandlerFunc(status)) // ok: status does not stream

func fromField(s struct{ h http.Handler }) http.Handler {
	return http.TimeoutHandler(s.h, time.Second, "") // ok: an unknown field of a parameter
}

func clientTimeout() *http.Client {
	return &http.Client{Timeout: time.Second} // ok: a client timeout is not a TimeoutHandler
}

func limitedUpload(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 1<<20))
}

var limited = http.TimeoutHandler(http.HandlerFunc(limitedUpload), time.Second, "") // ok: the body is bounded by MaxBytesReader
