// A program that sets the WriteTimeout its internal query server reads:
// reported where it sets it.
package main

import (
	"net/url"
	"time"

	"wtknob/internal/query"
)

func main() {
	u, _ := url.Parse("http://127.0.0.1:9000")
	opts := query.DefaultOptions()
	opts.HTTP.WriteTimeout = 30 * time.Second // want `this sets the WriteTimeout of a server in wtknob/internal/query \(confighttp.go:\d+\), which cuts streaming responses \(httputil.ReverseProxy`
	_ = query.NewServer(&opts, u).ListenAndServe()
}
