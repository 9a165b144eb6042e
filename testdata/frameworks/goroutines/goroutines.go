// Streams served from goroutines inside framework handlers.
package goroutines

import (
	"net/http/httputil"
	"net/url"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
)

var target = &url.URL{Scheme: "http", Host: "localhost:2375"}

func ginApp() *gin.Engine {
	proxy := httputil.NewSingleHostReverseProxy(target)
	r := gin.New()
	r.Any("/v1/*path", func(c *gin.Context) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // want `the goroutine started by a go statement serves proxy.ServeHTTP`
			defer wg.Done()
			proxy.ServeHTTP(c.Writer, c.Request)
		}()
		wg.Wait()
	})
	return r
}

func echoApp() *echo.Echo {
	proxy := httputil.NewSingleHostReverseProxy(target)
	e := echo.New()
	e.Any("/*", func(c echo.Context) error {
		done := make(chan struct{})
		go func() { // want `the goroutine started by a go statement serves proxy.ServeHTTP`
			defer close(done)
			proxy.ServeHTTP(c.Response(), c.Request())
		}()
		<-done
		return nil
	})
	return e
}

// A goroutine in a gin handler that only logs: nothing there can abort.
func ginLog() *gin.Engine {
	r := gin.New()
	r.GET("/ping", func(c *gin.Context) {
		go func() { println(c.FullPath()) }() // ok: serves no handler
		c.String(200, "pong")
	})
	return r
}
