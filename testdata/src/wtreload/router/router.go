// Package router is a gateway's router: endpoints registered through an
// interface.
package router

import "net/http"

// Router routes endpoints.
type Router interface {
	http.Handler
	Handle(pattern string, h http.Handler) error
}

type mux struct{ m *http.ServeMux }

// New returns an empty router.
func New() Router { return &mux{m: http.NewServeMux()} }

func (r *mux) Handle(p string, h http.Handler) error {
	r.m.Handle(p, h)
	return nil
}

func (r *mux) ServeHTTP(w http.ResponseWriter, req *http.Request) { r.m.ServeHTTP(w, req) }
