// Package metrics instruments handlers as promhttp does: a delegator
// wraps the ResponseWriter, and its Flush forwards to the writer it
// wraps. Forwarding a Flush is no event stream.
package metrics

import "net/http"

type delegator struct {
	http.ResponseWriter
	status  int
	observe func(int)
}

func (d *delegator) WriteHeader(code int) {
	d.status = code
	d.ResponseWriter.WriteHeader(code)
}

type flusherDelegator struct{ *delegator }

func (d flusherDelegator) Flush() {
	if d.status == 0 {
		d.WriteHeader(http.StatusOK)
	}
	d.ResponseWriter.(http.Flusher).Flush()
}

var pick = []func(*delegator) http.ResponseWriter{
	func(d *delegator) http.ResponseWriter { return d },
	func(d *delegator) http.ResponseWriter { return flusherDelegator{d} },
}

func newDelegator(w http.ResponseWriter, observe func(int)) http.ResponseWriter {
	d := &delegator{ResponseWriter: w, observe: observe}
	id := 0
	if _, ok := w.(http.Flusher); ok {
		id = 1
	}
	return pick[id](d)
}

// Instrument counts the responses of next by status.
func Instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(newDelegator(w, func(int) {}), r)
	})
}

// Handler serves the metrics page.
func Handler() http.Handler {
	return Instrument(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("requests_total 1\n"))
	}))
}
