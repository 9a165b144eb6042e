// want package:"reaches httputil.ReverseProxy"

// Package treemuxlogged serves a proxy on the router with a PanicHandler
// that logs.
package treemuxlogged

import (
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"

	"abortrecover/treemux"
)

var proxy = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "localhost:2375"})

// Logged is given a PanicHandler that logs: the proxy's aborts are lost.
type Logged struct{ r *treemux.TreeMux }

// NewLogged registers the proxy and a PanicHandler.
func NewLogged() Logged { // want NewLogged:"swallows aborts: recovery handler"
	r := treemux.New()
	r.PanicHandler = func(w http.ResponseWriter, r *http.Request, err any) { log.Print(err) }
	r.Handle("/", proxy)
	return Logged{r: r}
}

func (g Logged) ServeHTTP(w http.ResponseWriter, r *http.Request) { // want ServeHTTP:"swallows aborts: guard"
	g.r.ServeHTTP(w, r) // want `\(\*treemux.TreeMux\).ServeHTTP recovers panics without re-panicking http.ErrAbortHandler, so calling it in`
}
