// Package a2a registers an event stream on the web server's router.
package a2a

import (
	"fmt"
	"net/http"
	"time"

	"wtplugin/web"
)

type Launcher struct{}

var _ web.Sublauncher = (*Launcher)(nil)

func (l *Launcher) SetupSubrouters(router *http.ServeMux) error { // want `SetupSubrouters registers a stream \(a Flush loop, a2a.go:\d+\) on the router that a server serves with WriteTimeout \(l.config.writeTimeout, web.go:\d+\), which cuts streaming responses`
	router.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; ; i++ {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
		}
	})
	return nil
}
