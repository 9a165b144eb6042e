// Package h2 wraps a handler the way h2c.NewHandler does: a struct whose
// ServeHTTP delegates to the handler it was given.
package h2

import "net/http"

type handler struct {
	Handler http.Handler
	s       *Server
}

// Server holds HTTP/2 settings.
type Server struct{ MaxStreams uint32 }

// NewHandler serves h, upgrading cleartext HTTP/2.
func NewHandler(h http.Handler, s *Server) http.Handler {
	return &handler{Handler: h, s: s}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.Handler.ServeHTTP(w, r)
}
