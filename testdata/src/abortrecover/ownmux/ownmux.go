package ownmux // want package:"reaches httputil.ReverseProxy"

// A library whose exported handlers recover around a mux of their own.

import (
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
)

// ControlAPI recovers around a mux of its own: every handler on it is
// registered here and writes one JSON document, so nothing it guards can
// abort, library or not.
type ControlAPI struct {
	mux *http.ServeMux
}

func NewControlAPI() *ControlAPI {
	api := &ControlAPI{mux: http.NewServeMux()}
	api.mux.HandleFunc("GET /stats", api.stats)
	api.mux.Handle("GET /config", http.HandlerFunc(api.stats))
	return api
}

func (a *ControlAPI) stats(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte(`{}`))
}

func (a *ControlAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			log.Print(v)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	a.mux.ServeHTTP(w, r)
}

// ProxyAPI's own mux serves a ReverseProxy: its recover swallows the
// proxy's aborts.
type ProxyAPI struct {
	mux *http.ServeMux
}

func NewProxyAPI(target *url.URL) *ProxyAPI { // want NewProxyAPI:"swallows aborts: recovery handler"
	api := &ProxyAPI{mux: http.NewServeMux()}
	api.mux.Handle("/", httputil.NewSingleHostReverseProxy(target))
	return api
}

func (a *ProxyAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) { // want ServeHTTP:"swallows aborts: guard"
	defer func() {
		if v := recover(); v != nil { // want `recover in the function deferred by \(\*ownmux.ProxyAPI\).ServeHTTP swallows`
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	a.mux.ServeHTTP(w, r)
}

// OpenAPI hands its mux out: what users register on it is not in view.
type OpenAPI struct {
	mux *http.ServeMux
}

func (a *OpenAPI) Mux() *http.ServeMux { return a.mux }

func (a *OpenAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) { // want ServeHTTP:"swallows aborts: guard"
	defer func() {
		if v := recover(); v != nil { // want `recover in the function deferred by \(\*ownmux.OpenAPI\).ServeHTTP swallows`
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	a.mux.ServeHTTP(w, r)
}

// Local recovers around a mux made and filled in the function itself.
func Local(w http.ResponseWriter, r *http.Request) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	defer func() {
		if v := recover(); v != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	mux.ServeHTTP(w, r)
}
