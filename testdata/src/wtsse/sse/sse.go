// Package sse writes server-sent events: a writer that holds the
// response and flushes after each event, as agent SDKs ship it.
package sse

import (
	"fmt"
	"net/http"
)

type Writer struct {
	w       http.ResponseWriter
	flusher http.Flusher
}

func NewWriter(w http.ResponseWriter) (*Writer, error) {
	f, ok := w.(http.Flusher)
	if !ok {
		return nil, fmt.Errorf("streaming not supported")
	}
	return &Writer{w: w, flusher: f}, nil
}

func (w *Writer) WriteData(data []byte) error {
	if _, err := fmt.Fprintf(w.w, "data: %s\n\n", data); err != nil {
		return err
	}
	w.flusher.Flush()
	return nil
}

// Header sets the event-stream headers; it flushes nothing.
func (w *Writer) Header() {
	w.w.Header().Set("Content-Type", "text/event-stream")
}
