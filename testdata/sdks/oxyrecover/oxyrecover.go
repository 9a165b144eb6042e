// want package:"reaches httputil.ReverseProxy"
// Package oxyrecover puts gin's recovery in front of a load balancer of
// a proxy library (vulcand/oxy), which forwards with a ReverseProxy.
package oxyrecover

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/vulcand/oxy/v2/forward"
	"github.com/vulcand/oxy/v2/roundrobin"
)

func balancer(upstreams ...*url.URL) *roundrobin.RoundRobin {
	lb, _ := roundrobin.New(forward.New(false))
	for _, u := range upstreams {
		_ = lb.UpsertServer(u)
	}
	return lb
}

func recovered(u *url.URL) *http.Server {
	r := gin.New()
	r.Use(gin.Recovery()) // want `gin.Recovery recovers panics without re-panicking http.ErrAbortHandler, so installing it on r, which routes to a stream \(httputil.ReverseProxy, github.com/vulcand/oxy/v2@v[^/]+/forward/fwd.go:\d+\)`
	r.Any("/api/*path", gin.WrapH(balancer(u)))
	return &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
}

// ok: gin's recovery in front of JSON handlers only.
func jsonOnly() *http.Server {
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/status", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	return &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
}
