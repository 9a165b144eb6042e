// Package cli keeps its server, router and handlers in the fields of a
// struct, set by methods: the proxy reaches the server through them.
package cli

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"wtfields/logger"
)

type Server struct {
	server         *http.Server
	router         http.Handler
	responseLogger *logger.ResponseLogger
	proxy          http.Handler
}

func (s *Server) init(target *url.URL) {
	s.proxy = httputil.NewSingleHostReverseProxy(target)
	s.responseLogger = logger.NewResponseLogger(s.proxy)
	s.router = s.createRouter()
	s.server = &http.Server{
		Handler:           s.router,
		ReadHeaderTimeout: 50 * time.Second,
		WriteTimeout:      100 * time.Second, // want `WriteTimeout \(1m40s\) cuts streaming responses`
	}
}

func (s *Server) createRouter() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(rw http.ResponseWriter, r *http.Request) {
		s.responseLogger.ServeHTTP(rw, r)
	})
	return mux
}
