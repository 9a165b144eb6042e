// The program from the blog post, made to compile: a Docker API proxy
// whose absolute timeouts cut large pushes without a trace.
package main

import (
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
		ReadTimeout:  5 * time.Second,  // want `ReadTimeout \(5s\) cuts streamed request bodies of proxy \(httputil.ReverseProxy, main.go:14\)`
		WriteTimeout: 10 * time.Second, // want `WriteTimeout \(10s\) cuts streaming responses of proxy \(httputil.ReverseProxy, main.go:14\): the proxy aborts silently; remove it and bound streams by inactivity$`
	}

	srv.ListenAndServe()
}
