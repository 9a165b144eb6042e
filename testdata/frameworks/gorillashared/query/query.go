package query // want package:"reaches httputil.ReverseProxy"

// An API and, when configured, a proxy to a collector under one mux,
// wrapped in the recovery middleware that another package of the program
// builds on gorilla's.

import (
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"

	"frameworks/gorillashared/recovery"
)

type Options struct {
	ProxyTarget string
}

func registerProxy(mux *http.ServeMux, target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	mux.Handle("/api/otlp/v1/", http.StripPrefix("/api/otlp", proxy))
	return nil
}

func initRouter(opts Options) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/services", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("[]")) })
	if opts.ProxyTarget != "" {
		if err := registerProxy(mux, opts.ProxyTarget); err != nil {
			return nil, err
		}
	}
	return mux, nil
}

func NewServer(opts Options, logger *log.Logger) (*http.Server, error) {
	handler, err := initRouter(opts)
	if err != nil {
		return nil, err
	}
	handler = recovery.NewRecoveryHandler(logger, true)(handler) // want `the middleware of recovery.NewRecoveryHandler recovers panics without re-panicking http.ErrAbortHandler`
	return &http.Server{Handler: handler}, nil
}

// ok: the same recovery in front of handlers that cannot abort.
func NewAPIServer(logger *log.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/services", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("[]")) })
	return &http.Server{Handler: recovery.NewRecoveryHandler(logger, true)(mux)}
}

// ok: compression recovers nothing.
func NewCompressedServer(opts Options) (*http.Server, error) {
	handler, err := initRouter(opts)
	if err != nil {
		return nil, err
	}
	return &http.Server{Handler: recovery.Compressing()(handler)}, nil
}
