// Package server builds the program's HTTP server: a router in a field,
// served with an absolute WriteTimeout (60 s unless configured). Other
// packages register routes on the router it returns.
package server

import (
	"net/http"
	"time"
)

// Server is the program's server and the router its routes go on.
type Server struct {
	mux *http.ServeMux
	srv *http.Server
}

// New builds the server; a zero writeTimeout means 60 s.
func New(writeTimeout time.Duration) *Server { // want New:"serves the result with WriteTimeout writeTimeout"
	if writeTimeout == 0 {
		writeTimeout = 60 * time.Second
	}
	mux := http.NewServeMux()
	return &Server{mux: mux, srv: &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: writeTimeout}}
}

// Mux returns the router routes are registered on.
func (s *Server) Mux() *http.ServeMux { return s.mux }

// Run serves until the server fails.
func (s *Server) Run() error { return s.srv.ListenAndServe() }
