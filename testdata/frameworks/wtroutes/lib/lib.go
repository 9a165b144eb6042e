// Package lib registers routes and builds servers for its callers.
package lib

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
)

// Events streams server-sent events.
func Events(w http.ResponseWriter, r *http.Request) { // want Events:"streams writes: a Flush loop"
	for {
		fmt.Fprintf(w, "data: %s\n\n", time.Now())
		http.NewResponseController(w).Flush()
		time.Sleep(time.Second)
	}
}

// RegisterRoutes registers the event stream on a chi router.
func RegisterRoutes(r chi.Router) { // want RegisterRoutes:"registers on arg0: streams writes: a Flush loop"
	r.Get("/status", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	r.Route("/v1", func(r chi.Router) {
		r.Get("/events", Events)
	})
}

// Mount registers h on mux, as generated servers do.
func Mount(mux *http.ServeMux, h http.Handler) { // want Mount:"registers on arg0: arg1"
	mountDocker(mux, h)
}

func mountDocker(mux *http.ServeMux, h http.Handler) { // want mountDocker:"registers on arg0: arg1"
	mux.Handle("/docker/", h)
}

// NewProxy returns a proxy to target.
func NewProxy(target *url.URL) http.Handler { // want NewProxy:`streams writes\+reads: httputil.ReverseProxy`
	return httputil.NewSingleHostReverseProxy(target)
}
