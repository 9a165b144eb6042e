// Package serve builds servers around the handlers its callers pass.
package serve

import (
	"net/http"
	"time"
)

// Serve serves h with absolute timeouts.
func Serve(addr string, h http.Handler) error { // want Serve:"serves arg1 with WriteTimeout 15s"
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: time.Second, WriteTimeout: 15 * time.Second}
	return srv.ListenAndServe()
}

// Run hands its handler on to Serve.
func Run(h http.Handler) error { // want Run:"serves arg0 with WriteTimeout 15s"
	return Serve(":8080", h)
}

// ServeSafe serves h without absolute timeouts.
func ServeSafe(addr string, h http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute}
	return srv.ListenAndServe()
}
