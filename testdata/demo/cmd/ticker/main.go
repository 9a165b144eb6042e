// Command ticker serves a page and the server-sent event stream it
// listens to.
package main

import (
	"io"
	"log"
	"net/http"
	"time"

	"example.com/demo/internal/events"
)

const page = `<!doctype html><pre id=log></pre>
<script>new EventSource("/events").addEventListener("tick", e => log.append(e.data + "\n"))</script>`

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, page)
	})
	mux.Handle("GET /events", events.Handler(time.Second))

	srv := &http.Server{
		Addr:         ":8090",
		Handler:      mux,
		ReadTimeout:  10 * time.Second,
		WriteTimeout: time.Minute,
		IdleTimeout:  2 * time.Minute,
	}
	log.Fatal(srv.ListenAndServe())
}
