// Package wtlib builds handlers for servers in other packages: the
// writetimeout check must see through it with facts.
package wtlib

import (
	"encoding/json"
	"net/http"
	"net/http/httputil"
	"net/url"
)

var upstream = &url.URL{Scheme: "http", Host: "127.0.0.1:2375"}

// DefaultProxy is a package-level streaming handler.
var DefaultProxy = httputil.NewSingleHostReverseProxy(upstream) // want DefaultProxy:"streams writes\\+reads: httputil.ReverseProxy"

// NewRouter returns a mux that routes to a ReverseProxy.
func NewRouter() http.Handler { // want NewRouter:"streams writes\\+reads: httputil.ReverseProxy"
	mux := http.NewServeMux()
	mux.Handle("/v1.41/", httputil.NewSingleHostReverseProxy(upstream))
	mux.HandleFunc("/_ping", ping)
	return mux
}

// NewAPI returns a mux of short JSON handlers.
func NewAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/_ping", ping)
	return mux
}

func ping(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]string{"ok": "true"})
}

// Gateway streams: its ServeHTTP serves a proxy.
type Gateway struct {
	proxy *httputil.ReverseProxy // want proxy:"streams writes\\+reads: httputil.ReverseProxy"
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { // want ServeHTTP:"streams writes\\+reads: httputil.ReverseProxy"
	if g.proxy == nil {
		g.proxy = httputil.NewSingleHostReverseProxy(upstream)
	}
	g.proxy.ServeHTTP(w, r)
}

// Logging is middleware that passes the handler through.
func Logging(next http.Handler) http.Handler { // want Logging:"passes arg0"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
	})
}

// Recorder wraps a handler held in a field.
type Recorder struct {
	Next http.Handler
}

func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) { // want ServeHTTP:"passes Next"
	rec.Next.ServeHTTP(w, r)
}
