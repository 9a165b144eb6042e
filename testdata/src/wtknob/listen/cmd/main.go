// ok: Command cmd proxies on listeners whose timeouts only the user's
// text or a zero-default flag can set: knobs, not bugs.
package main

import (
	"net/http/httputil"
	"net/url"
	"os"

	"wtknob/listen/config"
	"wtknob/listen/serve"
)

func main() {
	ls, err := config.Load(os.Args[1:])
	if err != nil {
		panic(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "127.0.0.1:8080"})
	for _, l := range ls {
		go serve.ListenAndServeHTTP(l, proxy)
	}
	select {}
}
