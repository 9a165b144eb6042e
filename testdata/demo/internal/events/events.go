// Package events serves server-sent events: one response per client that
// lasts as long as the client listens.
package events

import (
	"fmt"
	"net/http"
	"time"
)

// Handler sends a tick event every interval until the client goes away.
func Handler(interval time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case now := <-t.C:
				fmt.Fprintf(w, "event: tick\ndata: %s\n\n", now.Format(time.RFC3339))
				http.NewResponseController(w).Flush()
			}
		}
	}
}
