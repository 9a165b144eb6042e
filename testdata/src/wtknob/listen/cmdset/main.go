// Command cmdset gives the listener a 30 s write timeout by flag default.
package main

import (
	"flag"
	"net/http/httputil"
	"net/url"
	"time"

	"wtknob/listen/config"
	"wtknob/listen/serve"
)

func main() {
	var l config.Listen
	flag.DurationVar(&l.WriteTimeout, "write-timeout", 30*time.Second, "write timeout")
	flag.Parse()
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "127.0.0.1:8080"})
	serve.ListenAndServeHTTP(l, proxy) // want `ListenAndServeHTTP serves proxy .* WriteTimeout \(l.WriteTimeout`
}
