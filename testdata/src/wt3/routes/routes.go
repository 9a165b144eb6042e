// Package routes registers routes on the server package's Server it is
// given: it imports the server's package (the other import order).
package routes

import (
	"fmt"
	"net/http"
	"time"

	"wt3/server"
)

// Register adds an event stream to the server's router.
func Register(s *server.Server) {
	s.Mux().HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		for {
			fmt.Fprint(w, "data: tick\n\n")
			w.(http.Flusher).Flush()
			time.Sleep(time.Second)
		}
	})
}
