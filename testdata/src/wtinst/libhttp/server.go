// want package:"sets 2 numeric fields"

// Package libhttp is a program's HTTP server library: one server per
// listen address, built by a helper around the Server's router, with
// timeouts from its configuration (an hour by default). Commands
// register their routes on Router().
package libhttp

import (
	"context"
	"net"
	"net/http"
	"time"
)

// Config configures the server.
type Config struct {
	ListenAddr         []string
	ServerReadTimeout  time.Duration
	ServerWriteTimeout time.Duration
}

// DefaultCfg returns the defaults.
func DefaultCfg() Config {
	return Config{ListenAddr: []string{"127.0.0.1:8080"}, ServerReadTimeout: time.Hour, ServerWriteTimeout: time.Hour}
}

// Option configures a Server.
type Option func(*Server)

// WithConfig sets the configuration.
func WithConfig(cfg Config) Option { return func(s *Server) { s.cfg = cfg } }

type instance struct {
	listener   net.Listener
	httpServer *http.Server
}

// Server serves a router on its listeners.
type Server struct {
	cfg       Config
	mux       *http.ServeMux
	instances []instance
}

func newInstance(ctx context.Context, s *Server, l net.Listener) *instance { // want newInstance:"serves arg1 with ReadTimeout s.cfg.ServerReadTimeout, WriteTimeout s.cfg.ServerWriteTimeout"
	httpServer := &http.Server{
		Handler:           s.mux,
		ReadTimeout:       s.cfg.ServerReadTimeout,
		WriteTimeout:      s.cfg.ServerWriteTimeout,
		ReadHeaderTimeout: 10 * time.Second,
	}
	return &instance{listener: l, httpServer: httpServer}
}

// NewServer listens on every configured address.
func NewServer(ctx context.Context, options ...Option) (*Server, error) { // want NewServer:"serves the result with ReadTimeout s.cfg.ServerReadTimeout, WriteTimeout s.cfg.ServerWriteTimeout"
	s := &Server{mux: http.NewServeMux()}
	for _, o := range options {
		o(s)
	}
	for _, addr := range s.cfg.ListenAddr {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		s.instances = append(s.instances, *newInstance(ctx, s, l))
	}
	return s, nil
}

// Router returns the router routes are registered on.
func (s *Server) Router() *http.ServeMux { return s.mux }

// Serve serves every listener.
func (s *Server) Serve() {
	for _, ii := range s.instances {
		go ii.httpServer.Serve(ii.listener)
	}
}
