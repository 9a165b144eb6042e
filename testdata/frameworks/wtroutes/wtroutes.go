// Package wtroutes: routes registered in helpers, and servers built
// around a handler parameter, in this package and in others.
package wtroutes

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"frameworks/wtroutes/lib"
	"frameworks/wtroutes/serve"
)

var target = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}

func events(w http.ResponseWriter, r *http.Request) {
	for {
		fmt.Fprintf(w, "data: %s\n\n", time.Now())
		http.NewResponseController(w).Flush()
		time.Sleep(time.Second)
	}
}

func status(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }

// register adds the routes of this program to mux.
func register(mux *http.ServeMux) {
	mux.HandleFunc("/status", status)
	mux.HandleFunc("/events", events)
}

// A helper registers the stream on the mux.
func helper() *http.Server {
	mux := http.NewServeMux()
	register(mux)
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of mux \(a Flush loop, wtroutes.go:23\)`
}

// A helper in another package registers on a chi router.
func chiHelper() *http.Server {
	r := chi.NewRouter()
	lib.RegisterRoutes(r)
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of r \(a Flush loop, lib.go:18\)`
}

// A generated Mount function registers the proxy it is given.
func mount() *http.Server {
	mux := http.NewServeMux()
	lib.Mount(mux, lib.NewProxy(target))
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of mux \(httputil.ReverseProxy`
}

// ok: the helper registers only short handlers
func registerStatus(mux *http.ServeMux) { mux.HandleFunc("/status", status) }

func plainHelper() *http.Server {
	mux := http.NewServeMux()
	registerStatus(mux)
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute}
}

// serve builds a server around its handler parameter.
func serveLocal(h http.Handler) error { // want serveLocal:"serves arg0 with WriteTimeout 15s"
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second, WriteTimeout: 15 * time.Second} // want `WriteTimeout \(15s\) cuts streaming responses of proxy \(httputil.ReverseProxy, wtroutes.go:73\)`
	return srv.ListenAndServe()
}

func servers() {
	proxy := httputil.NewSingleHostReverseProxy(target)
	serveLocal(proxy)                              // ok: reported at the server, which is in this package
	serve.Serve(":8080", http.HandlerFunc(events)) // want `Serve serves http.HandlerFunc\(events\) \(a Flush loop, wtroutes.go:23\) on a server whose WriteTimeout \(15s, serve.go:11\)`
	serve.Run(proxy)                               // want `Run serves proxy \(httputil.ReverseProxy`
	serve.Serve(":8081", http.HandlerFunc(status)) // ok: a short handler
	serve.ServeSafe(":8082", proxy)                // ok: no absolute timeouts there
}
