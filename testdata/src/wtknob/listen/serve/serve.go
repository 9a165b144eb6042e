// Package serve serves a handler on a listener's settings.
package serve

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"wtknob/listen/config"
)

// ListenAndServeHTTP serves h with the listener's timeouts.
func ListenAndServeHTTP(l config.Listen, h http.Handler) error { // want ListenAndServeHTTP:"serves arg1 with ReadTimeout l.ReadTimeout, WriteTimeout l.WriteTimeout"
	srv := &http.Server{
		Addr:              l.Addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
	}
	return srv.ListenAndServe()
}

// ok: a listener built here without timeouts; the server is reported
// only where a configuration that sets them is passed.
func serveLocal() error {
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "127.0.0.1:8080"})
	l := config.Listen{Addr: ":9999"}
	return ListenAndServeHTTP(l, proxy)
}
