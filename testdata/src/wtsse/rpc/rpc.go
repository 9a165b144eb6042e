// Package rpc answers JSON-RPC calls; a streaming method's events go out
// through the event writer, in a loop, until the run ends.
package rpc

import (
	"encoding/json"
	"net/http"

	"wtsse/sse"
)

type handler struct{ events func() <-chan []byte }

func NewHandler(events func() <-chan []byte) http.Handler { return &handler{events} }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("stream") == "" {
		json.NewEncoder(w).Encode(map[string]string{"result": "ok"})
		return
	}
	sw, err := sse.NewWriter(w)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sw.Header()
	ch := h.events()
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if err := sw.WriteData(ev); err != nil {
				return
			}
		}
	}
}

// Status writes one document; the writer's Header flushes nothing.
func Status(w http.ResponseWriter, r *http.Request) {
	sw, _ := sse.NewWriter(w)
	for range 3 {
		sw.Header()
	}
	w.Write([]byte(`{}`))
}
