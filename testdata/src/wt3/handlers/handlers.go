// Package handlers registers the program's routes on a router it is
// given: a watch endpoint that streams server-sent events.
package handlers

import (
	"fmt"
	"net/http"
	"time"
)

// Register adds the routes to mux.
func Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /watch", watch)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
}

// Short adds the short routes only.
func Short(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
}

func watch(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			w.(http.Flusher).Flush()
		}
	}
}
