package web // want package:"reaches httputil.ReverseProxy"

// A proxy registered on the shared engine of another package: the
// recovery gin.Default installed there swallows the proxy's aborts.

import (
	"net/http/httputil"
	"net/url"

	"github.com/gin-gonic/gin"

	"frameworks/ginshared/engine"
)

func proxyFunc(target *url.URL) gin.HandlerFunc {
	return func(c *gin.Context) {
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(c.Writer, c.Request)
	}
}

func Serve(target *url.URL) error {
	r := engine.Router() // want `engine.Router installs recovery middleware that recovers panics without re-panicking http.ErrAbortHandler`
	g := r.Group("/prefix")
	g.Any("/api/*path", proxyFunc(target))
	return engine.Router().Run(":8080")
}

// ok: the engine without recovery.
func ServePlain(target *url.URL) error {
	r := engine.Plain()
	r.Any("/api/*path", proxyFunc(target))
	return r.Run(":8081")
}
