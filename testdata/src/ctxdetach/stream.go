package ctxdetach

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// events is a server-sent events loop that stops when the client goes.
func events(w http.ResponseWriter, r *http.Request) {
	f := w.(http.Flusher)
	for {
		select {
		case <-r.Context().Done():
			return
		case t := <-time.After(time.Second):
			fmt.Fprintf(w, "data: %v\n\n", t)
			f.Flush()
		}
	}
}

func download(w http.ResponseWriter, r *http.Request) {
	f, _ := os.Open("zero.bin")
	defer f.Close()
	io.Copy(w, f)
}

func sseDetached(w http.ResponseWriter, r *http.Request) {
	events(w, r.WithContext(context.Background())) // want `^context.Background\(\) detaches the request served to events \(a Flush loop, stream.go:\d+\): the stream runs on after the client leaves; serve it with r.Context\(\)$`
}

func downloadDetached(w http.ResponseWriter, r *http.Request) {
	ctx := context.TODO() // want `context.TODO\(\) detaches the request served to http.HandlerFunc\(download\) \(io.Copy of f into the ResponseWriter`
	http.HandlerFunc(download).ServeHTTP(w, r.WithContext(ctx))
}

// serveWith takes a handler function: inside, h is unknown; the caller
// below passes the event stream.
func serveWith(h http.HandlerFunc) http.HandlerFunc { // want serveWith:"detaches arg0 with context.TODO\\(\\)"
	return func(w http.ResponseWriter, r *http.Request) {
		h(w, r.WithContext(context.TODO())) // want `served to events \(through serveWith\) \(a Flush loop`
	}
}

var sse = serveWith(events)
