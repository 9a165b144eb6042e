// Package wtiface registers routes through an interface method: each
// service sets up its own sub-routes on the router it is given.
package wtiface

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Service is a part of the API that registers its own routes.
type Service interface {
	SetupRoutes(mux *http.ServeMux)
}

// agent streams task updates (an agent protocol's message/stream).
type agent struct{}

func (agent) SetupRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /a2a/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; ; i++ {
			fmt.Fprintf(w, "data: {\"update\": %d}\n\n", i)
			w.(http.Flusher).Flush()
			time.Sleep(time.Second)
		}
	})
}

// health answers short JSON.
type health struct{}

func (health) SetupRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]bool{"ok": true})
	})
}

func server(services []Service) *http.Server {
	mux := http.NewServeMux()
	for _, s := range services {
		s.SetupRoutes(mux)
	}
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of mux \(a Flush loop, iface.go:\d+\)`
}

func run() {
	_ = server([]Service{agent{}, health{}})
}

// shortService has only short routes: its servers do not stream.
type shortService interface {
	SetupShort(mux *http.ServeMux)
}

func (health) SetupShort(mux *http.ServeMux) {
	mux.HandleFunc("GET /ping", func(http.ResponseWriter, *http.Request) {})
}

func shortServer(s shortService) *http.Server {
	mux := http.NewServeMux()
	s.SetupShort(mux)
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // ok: every implementation registers short routes
}
