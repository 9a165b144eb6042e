// Package ctxdetach holds requests whose context is replaced with a
// detached one before they reach a ReverseProxy.
package ctxdetach

import (
	"context"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

var target, _ = url.Parse("http://127.0.0.1:2375")

var proxy = httputil.NewSingleHostReverseProxy(target)

type key struct{}

func direct(w http.ResponseWriter, r *http.Request) {
	proxy.ServeHTTP(w, r.WithContext(context.Background())) // want `^context.Background\(\) detaches the request served to proxy \(httputil.ReverseProxy, proxy.go:15\): truncated responses look complete; use context.WithoutCancel\(r.Context\(\)\)$`
}

func todoLocal(w http.ResponseWriter, req *http.Request) {
	ctx := context.TODO() // want `^context.TODO\(\) detaches the request served to proxy .*use context.WithoutCancel\(req.Context\(\)\)`
	r2 := req.Clone(ctx)
	proxy.ServeHTTP(w, r2)
}

func reassign(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(context.Background()) // want `context.Background\(\) detaches the request served to proxy`
	proxy.ServeHTTP(w, r)
}

func withValue(w http.ResponseWriter, r *http.Request) {
	ctx := context.WithValue(context.Background(), key{}, "v") // want `context.Background\(\) detaches .*look complete; use`
	proxy.ServeHTTP(w, r.WithContext(ctx))
}

func withTimeout(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // want `look complete and a client leaving no longer cancels the upstream; use`
	defer cancel()
	proxy.ServeHTTP(w, r.WithContext(ctx))
}

func literal(w http.ResponseWriter, r *http.Request) {
	p := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}
	p.ServeHTTP(w, r.WithContext(context.Background())) // want `served to p \(httputil.ReverseProxy, proxy.go:46\)`
}

// detachMW is middleware: next is unknown inside it, and the caller
// below passes the proxy.
func detachMW(next http.Handler) http.Handler { // want detachMW:"detaches arg0 with context.Background\\(\\)"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.Background())) // want `served to proxy \(through detachMW\) \(httputil.ReverseProxy, proxy.go:15\)`
	})
}

var wrapped = detachMW(proxy)

func chained(w http.ResponseWriter, r *http.Request) {
	r2 := r.WithContext(context.Background()) // want `context.Background\(\) detaches .*WithoutCancel\(r.Context\(\)\)`
	r3 := r2.WithContext(context.WithValue(r2.Context(), key{}, 1))
	proxy.ServeHTTP(w, r3)
}

type front struct {
	p *httputil.ReverseProxy
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.p.ServeHTTP(w, r.WithContext(context.Background())) // want `served to f.p \(httputil.ReverseProxy`
}

var fronted = &front{p: proxy}

func twice(w http.ResponseWriter, r *http.Request) {
	// One finding for one Background call, whichever proxies it reaches.
	ctx := context.Background() // want `served to proxy`
	if r.Method == http.MethodGet {
		proxy.ServeHTTP(w, r.WithContext(ctx))
		return
	}
	fronted.p.ServeHTTP(w, r.WithContext(ctx))
}

func muxed(w http.ResponseWriter, r *http.Request) {
	mux := http.NewServeMux()
	mux.Handle("/v1/", proxy)
	mux.ServeHTTP(w, r.WithContext(context.Background())) // want `served to mux \(httputil.ReverseProxy`
}

func doubleDetach(w http.ResponseWriter, r *http.Request) {
	proxy.ServeHTTP(w, r.WithContext(context.WithoutCancel(context.Background()))) // want `context.Background\(\) detaches`
}

// fresh returns a detached context: its callers are reported.
func fresh() context.Context { // want fresh:"returns context.Background\\(\\)"
	return context.Background()
}

func viaFunc(w http.ResponseWriter, r *http.Request) {
	proxy.ServeHTTP(w, r.WithContext(fresh())) // want `^fresh\(\) \(which returns context.Background\(\)\) detaches the request served to proxy`
}

var bg = context.Background() // want `context.Background\(\) detaches the request served to proxy`

func global(w http.ResponseWriter, r *http.Request) {
	proxy.ServeHTTP(w, r.WithContext(bg))
}

func handlerFunc(w http.ResponseWriter, r *http.Request) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { proxy.ServeHTTP(w, r) })
	h(w, r.WithContext(context.TODO())) // want `context.TODO\(\) detaches the request served to h \(httputil.ReverseProxy`
}

// The blog's shape: the proxy is a parameter of the constructor.
func blogProxy(reverseProxy *httputil.ReverseProxy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, origReq *http.Request) {
		reverseProxy.ServeHTTP(w, origReq.WithContext(context.Background())) // want `served to reverseProxy \(httputil.ReverseProxy, proxy.go:117\).*WithoutCancel\(origReq.Context\(\)\)`
	})
}

type node struct{}

// middleware is a method: its static callers are checked.
func (n *node) middleware(h http.Handler) http.Handler { // want middleware:"detaches arg0 with context.Background\\(\\)"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.Background())) // want `served to proxy \(through middleware\)`
	})
}

var nodeProxy = (&node{}).middleware(proxy)
