// Command uploadproxy forwards uploads to a storage backend. Its author
// detached the request from the client's context "so that a client that
// goes away does not cancel the upload half-way": the proxy's abort then
// no longer reaches net/http, and a client whose download breaks
// receives a short body with no error.
package main

import (
	"context"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

func main() {
	backend := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "127.0.0.1:9000"})

	mux := http.NewServeMux()
	mux.HandleFunc("/objects/", func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.Background())
		backend.ServeHTTP(w, r)
	})

	srv := &http.Server{Addr: ":9443", Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
