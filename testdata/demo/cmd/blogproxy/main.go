// Command blogproxy is the Docker API proxy from the blog post, made to
// compile: its absolute timeouts cut large pushes without a trace.
package main

import (
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

func main() {
	// Assume dockerd is running on the loopback interface.
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{
		Scheme: "http",
		Host:   "localhost:2375",
	})

	srv := http.Server{
		Addr:    ":80",
		Handler: proxy,

		// "legacy" code written 3 years ago that I didn't see.
		ReadTimeout:  5 * time.Second,
		WriteTimeout: 10 * time.Second,
	}

	log.Fatal(srv.ListenAndServe())
}
