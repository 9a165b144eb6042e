// want package:"reaches httputil.ReverseProxy"

// Package treemuxuser serves a proxy on the router without a PanicHandler.
package treemuxuser

import (
	"net/http"
	"net/http/httputil"
	"net/url"

	"abortrecover/treemux"
)

var proxy = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "localhost:2375"})

// Engine serves the router as it is built: panics are not recovered.
type Engine struct{ r *treemux.TreeMux }

// NewEngine registers the proxy.
func NewEngine() Engine {
	r := treemux.New()
	r.Handle("/", proxy)
	return Engine{r: r}
}

func (g Engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.r.ServeHTTP(w, r) // ok: no PanicHandler is set, so nothing recovers
}
