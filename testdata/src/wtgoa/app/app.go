// Package app serves a generated server whose download endpoint is a
// proxy of the program's.
package app

import (
	"encoding/json"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"wtgoa/gen"
)

var target = &url.URL{Scheme: "http", Host: "127.0.0.1:9000"}

// The proxy is in the literal the program passes to Mount.
func literal() *http.Server {
	mux := http.NewServeMux()
	gen.Mount(mux, &gen.Server{Download: httputil.NewSingleHostReverseProxy(target)})
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of mux \(httputil.ReverseProxy, app.go:\d+\)`
}

// The proxy is stored into the generated server after New.
func assigned() *http.Server {
	mux := http.NewServeMux()
	srv := gen.New()
	srv.Download = httputil.NewSingleHostReverseProxy(target)
	gen.Mount(mux, srv)
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of mux \(httputil.ReverseProxy, app.go:\d+\)`
}

func info(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]string{"version": "1"})
}

// ok: the endpoints the program passes answer short JSON.
func short() *http.Server {
	mux := http.NewServeMux()
	gen.Mount(mux, &gen.Server{Download: http.HandlerFunc(info)})
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute}
}
