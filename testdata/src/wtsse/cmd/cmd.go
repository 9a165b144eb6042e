package cmd

import (
	"net/http"
	"time"

	"wtsse/rpc"
)

func serve(events func() <-chan []byte) *http.Server {
	return &http.Server{
		Handler:      rpc.NewHandler(events),
		WriteTimeout: 15 * time.Second, // want `WriteTimeout \(15s\) cuts streaming responses of rpc.NewHandler\(events\) \(a Flush loop`
	}
}

// ok: the status handler streams nothing.
func status() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(rpc.Status), WriteTimeout: 15 * time.Second}
}
