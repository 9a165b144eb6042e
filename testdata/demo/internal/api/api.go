// Package api builds the gateway's routes: the Docker API behind a
// ReverseProxy, an event stream, and a health check.
package api

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"example.com/demo/internal/events"
)

// NewRouter returns the gateway's mux. The Docker API is proxied to
// upstream; /events streams server-sent events.
func NewRouter(upstream *url.URL) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/docker/", http.StripPrefix("/docker", &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(upstream)
			r.SetXForwarded()
		},
		FlushInterval: -1,
	}))
	mux.Handle("GET /events", events.Handler(time.Second))
	mux.HandleFunc("GET /healthz", health)
	return mux
}

// NewAdmin returns the admin mux: short JSON answers only.
func NewAdmin() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", health)
	return mux
}

func health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}
