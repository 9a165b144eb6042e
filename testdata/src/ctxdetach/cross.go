package ctxdetach

import (
	"net/http"

	"ctxdetach/detach"
)

func crossDetached(w http.ResponseWriter, r *http.Request) {
	proxy.ServeHTTP(w, r.WithContext(detach.Detached())) // want `^detach.Detached\(\) \(which returns context.Background\(\)\) detaches the request served to proxy \(httputil.ReverseProxy, proxy.go:15\)`
}

func crossTimed(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := detach.Timed() // want `detach.Timed\(\) .*no longer cancels the upstream`
	defer cancel()
	proxy.ServeHTTP(w, r.WithContext(ctx))
}

var crossMW = detach.Middleware(proxy) // want `^detach.Middleware \(with context.Background\(\), detach.go:29\) detaches the request served to proxy \(httputil.ReverseProxy`

// ok: the middleware wraps a handler that does not stream
var crossPlain = detach.Middleware(http.HandlerFunc(hello))

func crossKeep(w http.ResponseWriter, r *http.Request) {
	// ok: the values are kept
	proxy.ServeHTTP(w, r.WithContext(detach.Keep(r)))
}
