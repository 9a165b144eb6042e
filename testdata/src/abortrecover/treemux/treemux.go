// Package treemux is a router that recovers handler panics only when the
// program gives it a PanicHandler.
package treemux

import "net/http"

// TreeMux routes by path.
type TreeMux struct {
	// PanicHandler, when set, gets the panics of handlers.
	PanicHandler func(http.ResponseWriter, *http.Request, any)
	routes       map[string]http.Handler
}

// New returns a router without a PanicHandler: panics go on up.
func New() *TreeMux { return &TreeMux{routes: make(map[string]http.Handler)} }

// Handle registers h for path.
func (t *TreeMux) Handle(path string, h http.Handler) { t.routes[path] = h }

func (t *TreeMux) serveHTTPPanic(w http.ResponseWriter, r *http.Request) {
	if err := recover(); err != nil {
		t.PanicHandler(w, r, err)
	}
}

func (t *TreeMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if t.PanicHandler != nil {
		defer t.serveHTTPPanic(w, r)
	}
	if h := t.routes[r.URL.Path]; h != nil {
		h.ServeHTTP(w, r)
	}
}
