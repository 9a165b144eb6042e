// Package opaque hides how its handlers work: the checks learn that they
// stream, or swallow aborts, only from the -handlers and -recovery flags.
package opaque

import "net/http"

// Streamer streams through code the analysis cannot read.
type Streamer interface{ Stream(w http.ResponseWriter) }

// NewBroker returns a server-sent events broker.
func NewBroker(s Streamer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.Stream(w) })
}

// NewStatus returns a short status handler.
func NewStatus() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
}

// Recoverer is recovery middleware built from parts the analysis cannot
// read.
func Recoverer(next http.Handler) http.Handler { return wrap(next) }

var wrap = func(h http.Handler) http.Handler { return h }
