// Command mirror proxies a package mirror and counts the requests in
// flight. It serves each one from a goroutine it waits for: when the
// upstream drops a download mid-way, the proxy's http.ErrAbortHandler
// panic happens on that goroutine, where nothing recovers it, and the
// whole process dies.
package main

import (
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	upstream := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "127.0.0.1:8081"})
	var inFlight atomic.Int64

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Add(1)
		defer inFlight.Add(-1)
		var wg sync.WaitGroup
		wg.Go(func() {
			upstream.ServeHTTP(w, r)
		})
		wg.Wait()
	})

	srv := &http.Server{Addr: ":8082", Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
