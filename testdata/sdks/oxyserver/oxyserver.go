// Package oxyserver serves a proxy library's load balancer behind gin on
// a server with an absolute WriteTimeout.
package oxyserver

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/vulcand/oxy/v2/forward"
	"github.com/vulcand/oxy/v2/roundrobin"
)

func timed(u *url.URL) *http.Server {
	lb, _ := roundrobin.New(forward.New(false))
	_ = lb.UpsertServer(u)
	r := gin.New()
	r.Any("/api/*path", gin.WrapH(lb))
	return &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		WriteTimeout: 30 * time.Second} // want `WriteTimeout \(30s\) cuts streaming responses of r \(httputil.ReverseProxy, github.com/vulcand/oxy/v2@v[^/]+/forward/fwd.go:\d+\)`
}

// ok: the same balancer without an absolute timeout.
func fixed(u *url.URL) *http.Server {
	lb, _ := roundrobin.New(forward.New(false))
	_ = lb.UpsertServer(u)
	r := gin.New()
	r.Any("/api/*path", gin.WrapH(lb))
	return &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
}
