package user // want package:"reaches httputil.ReverseProxy"
// A program that uses the recovery package of a dependency.

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"

	"abortrecover/recovery"
)

var target = &url.URL{Scheme: "http", Host: "localhost:2375"}

func hello(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") }

// app is the rest of the program: a handler, so it may abort.
var app http.Handler = http.HandlerFunc(hello)

func serve(w http.ResponseWriter, r *http.Request) {
	defer recovery.Recover(w) // want `recovery.Recover \(recovery.go:13\) recovers panics without re-panicking http.ErrAbortHandler, so deferring it in handler serve swallows aborts; recover with a function that re-panics them`
	app.ServeHTTP(w, r)
}

func guarded(w http.ResponseWriter, r *http.Request) {
	p := httputil.NewSingleHostReverseProxy(target)
	recovery.Guarded(w, r, p) // want `recovery.Guarded recovers panics without re-panicking http.ErrAbortHandler, so calling it in handler guarded swallows aborts raised inside it`
}

func repanics(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			recovery.RePanic(v) // ok: re-panics aborts, known from its fact
			log.Print(v)
		}
	}()
	app.ServeHTTP(w, r)
}

func main() {
	proxy := httputil.NewSingleHostReverseProxy(target)
	mux := http.NewServeMux()
	mux.Handle("/a", recovery.Middleware(proxy))                                 // want `recovery.Middleware recovers panics without re-panicking http.ErrAbortHandler, so wrapping the streaming handler proxy \(httputil.ReverseProxy, user.go:42\) in it swallows its aborts; use recovery that re-panics them`
	mux.Handle("/b", recovery.Handler()(proxy))                                  // want `the middleware of recovery.Handler recovers panics`
	mux.Handle("/c", &recovery.Recovery{Next: proxy})                            // want `recovery.Recovery recovers panics without re-panicking http.ErrAbortHandler, so wrapping the streaming handler proxy`
	mux.Handle("/d", recovery.Safe(proxy))                                       // ok: re-panics aborts
	mux.Handle("/e", recovery.Middleware(http.HandlerFunc(hello)))               // ok: hello does not stream, nothing aborts mid-response
	mux.Handle("/f", &recovery.Recovery{Next: http.HandlerFunc(hello)})          // ok: does not stream
	mux.Handle("/j", recovery.RecoveryHandler(recovery.PrintStack(true))(proxy)) // want `the middleware of recovery.RecoveryHandler recovers panics without re-panicking http.ErrAbortHandler, so wrapping the streaming handler proxy`
	mux.HandleFunc("/g", serve)
	mux.HandleFunc("/h", guarded)
	mux.HandleFunc("/i", repanics)
	http.ListenAndServe(":8080", mux)
}

// router is a router with middleware, in the shape of popular ones.
type router struct {
	mux *http.ServeMux
	mws []func(http.Handler) http.Handler
}

func (rt *router) Use(mws ...func(http.Handler) http.Handler) { rt.mws = append(rt.mws, mws...) }

func (rt *router) Handle(pattern string, h http.Handler) { rt.mux.Handle(pattern, h) }

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) { // want ServeHTTP:"may abort"
	var h http.Handler = rt.mux
	for _, mw := range rt.mws {
		h = mw(h)
	}
	h.ServeHTTP(w, r)
}

func routers() {
	proxy := httputil.NewSingleHostReverseProxy(target)
	rt := &router{mux: http.NewServeMux()}
	rt.Handle("/v1/", proxy)
	rt.Use(recovery.Middleware)        // want `recovery.Middleware recovers panics without re-panicking http.ErrAbortHandler, so installing it on rt, which routes to a stream \(httputil.ReverseProxy, user.go:\d+\), swallows its aborts`
	rt.Use(recovery.RecoveryHandler()) // want `the middleware of recovery.RecoveryHandler recovers panics`
	rt.Use(recovery.Safe)              // ok: re-panics aborts

	plain := &router{mux: http.NewServeMux()}
	plain.Handle("/", http.HandlerFunc(hello))
	plain.Use(recovery.Middleware) // ok: routes to no stream
	http.ListenAndServe(":8081", rt)
	http.ListenAndServe(":8082", plain)
}

// wrap applies middleware to h, as go-pkgz/rest.Wrap does.
func wrap(h http.Handler, mws ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

func wrapped() http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(target)
	return wrap(proxy, recovery.Handler()) // want `the middleware of recovery.Handler recovers panics`
}

func wrappedLocal() http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(target)
	return wrap(proxy, recovery.Recoverer(log.Default())) // want `the middleware of recovery.Recoverer recovers panics`
}
