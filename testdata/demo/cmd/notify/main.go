// Command notify serves the event stream of package events with a time
// budget on every route. http.TimeoutHandler buffers the whole response:
// the browser receives no event until the budget is spent, then a 503.
package main

import (
	"log"
	"net/http"
	"time"

	"example.com/demo/internal/events"
)

func main() {
	mux := http.NewServeMux()
	mux.Handle("GET /events", http.TimeoutHandler(events.Handler(time.Second), 30*time.Second, "timed out"))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})

	srv := &http.Server{Addr: ":8091", Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
