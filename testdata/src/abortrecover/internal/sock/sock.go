// want package:"reaches httputil.ReverseProxy"

// Package sock serves a program's control socket with a handler that the
// package importing it gives to NewServer: what it is, is not in view.
package sock

import (
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
)

// HandlerFunc handles one request on the socket.
type HandlerFunc func(w http.ResponseWriter, r *http.Request)

// Server serves a handler given by its importer.
type Server struct {
	handlerFunc HandlerFunc
}

// NewServer serves h.
func NewServer(h HandlerFunc) *Server {
	return &Server{handlerFunc: h}
}

// Handler recovers panics of the handler into 500 responses.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil { // ok: set only by NewServer's callers, in other packages
				log.Print(v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		s.handlerFunc(w, r)
	})
}

// Forwarder is given its handler here too: a proxy.
type Forwarder struct {
	next HandlerFunc
}

// NewForwarder forwards to h.
func NewForwarder(h HandlerFunc) *Forwarder { return &Forwarder{next: h} }

// Default forwards to the daemon.
var Default = &Forwarder{next: httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "localhost:2375"}).ServeHTTP}

// Handler recovers panics of the proxy.
func (f *Forwarder) Handler() http.Handler { // want Handler:"swallows aborts: recovery handler"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil { // want `recover in the function deferred by`
				log.Print(v)
			}
		}()
		f.next(w, r)
	})
}
