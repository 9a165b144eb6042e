// Package thwrap holds a function that wraps handlers in
// http.TimeoutHandler, used by the timeouthandler testdata from another
// package.
package thwrap

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// WithTimeout bounds h by 30 seconds.
func WithTimeout(h http.Handler) http.Handler { // want WithTimeout:"wraps arg0 in http.TimeoutHandler \\(30s\\)"
	// ok: h is unknown here; callers that pass a stream are reported
	return http.TimeoutHandler(h, 30*time.Second, "timeout")
}

// Proxy is a ReverseProxy other packages serve.
var Proxy = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "127.0.0.1:2375"})
