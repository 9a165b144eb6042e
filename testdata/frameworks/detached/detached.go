// Requests detached from their context before a proxy, in framework
// handlers.
package detached

import (
	"context"
	"net/http/httputil"
	"net/url"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
)

var target = &url.URL{Scheme: "http", Host: "localhost:2375"}

func ginApp() *gin.Engine {
	proxy := httputil.NewSingleHostReverseProxy(target)
	r := gin.New()
	r.Any("/v1/*path", func(c *gin.Context) {
		proxy.ServeHTTP(c.Writer, c.Request.WithContext(context.Background())) // want `context.Background\(\) detaches the request served to proxy`
	})
	return r
}

func echoApp() *echo.Echo {
	proxy := httputil.NewSingleHostReverseProxy(target)
	e := echo.New()
	e.Any("/*", func(c echo.Context) error {
		req := c.Request().WithContext(context.TODO()) // want `context.TODO\(\) detaches the request served to proxy`
		proxy.ServeHTTP(c.Response(), req)
		return nil
	})
	return e
}

// A detached context for work after the response: not served to a stream.
func ginAudit() *gin.Engine {
	r := gin.New()
	r.POST("/audit", func(c *gin.Context) {
		ctx := context.Background() // ok: used for a background job
		go audit(ctx, c.FullPath())
		c.Status(202)
	})
	return r
}

func audit(ctx context.Context, path string) { _ = ctx; _ = path }
