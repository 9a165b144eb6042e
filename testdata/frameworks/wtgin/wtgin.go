// Package wtgin: gin apps behind servers with absolute timeouts.
package wtgin

import (
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
)

var target = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}

// gin.WrapH around a ReverseProxy, on the engine.
func wrapH() *http.Server {
	r := gin.New()
	r.Any("/docker/*path", gin.WrapH(httputil.NewSingleHostReverseProxy(target)))
	return &http.Server{
		Handler:           r,
		ReadHeaderTimeout: time.Second,
		IdleTimeout:       time.Minute,
		WriteTimeout:      10 * time.Second, // want `WriteTimeout \(10s\) cuts streaming responses of r \(httputil.ReverseProxy, wtgin.go:19\)`
	}
}

// A handler that serves the proxy on c.Writer, on a group.
func delegate() *http.Server {
	proxy := httputil.NewSingleHostReverseProxy(target)
	r := gin.Default()
	api := r.Group("/api")
	api.GET("/proxy", func(c *gin.Context) {
		proxy.ServeHTTP(c.Writer, c.Request)
	})
	srv := &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute}
	srv.WriteTimeout = time.Minute // want `WriteTimeout \(1m0s\) cuts streaming responses of r \(httputil.ReverseProxy`
	return srv
}

// c.Stream flushes after every step: server-sent events.
func events(c *gin.Context) {
	c.Stream(func(w io.Writer) bool {
		c.SSEvent("tick", time.Now().String())
		return true
	})
}

func stream() *http.Server {
	r := gin.New()
	r.Group("/v1").GET("/events", events)
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of r \(a Flush loop, github.com/gin-gonic/gin@v[^/]+/context.go:[0-9]+\)`
}

// SSEvent then Flush in a loop.
func sseLoop(c *gin.Context) {
	for i := 0; ; i++ {
		c.SSEvent("n", i)
		c.Writer.Flush()
	}
}

// A download copied from upstream into c.Writer, on a nested group.
func download(c *gin.Context) {
	resp, err := http.Get("http://127.0.0.1:8080/blob")
	if err != nil {
		c.AbortWithStatus(http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	io.Copy(c.Writer, resp.Body)
}

func nested() *http.Server {
	r := gin.New()
	v1 := r.Group("/v1")
	files := v1.Group("/files")
	files.GET("/:id", download)
	v1.GET("/events", sseLoop)
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of r \(a Flush loop, wtgin.go:59\)`
}

// gin.WrapF around a handler that proxies, as the fallback route.
func proxyFunc(w http.ResponseWriter, r *http.Request) {
	httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
}

func noRoute() *http.Server {
	r := gin.New()
	r.NoRoute(gin.WrapF(proxyFunc))
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of r \(httputil.ReverseProxy`
}

type status struct {
	OK bool `json:"ok"`
}

// ok: a JSON-only gin app behind WriteTimeout: every response is short
func jsonOnly() *http.Server {
	r := gin.Default()
	r.Use(gin.Logger())
	api := r.Group("/api")
	api.GET("/status", func(c *gin.Context) { c.JSON(http.StatusOK, status{OK: true}) })
	api.POST("/echo", func(c *gin.Context) {
		var s status
		if err := c.ShouldBindJSON(&s); err != nil {
			c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		c.String(http.StatusOK, "%v", s.OK)
	})
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, ReadTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second}
}

// ok: an SSE route whose handler clears the write deadline and stops when it cannot
func clearedEvents(c *gin.Context) {
	if err := http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{}); err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	sseLoop(c)
}

func cleared() *http.Server {
	r := gin.New()
	r.GET("/events", clearedEvents)
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute}
}

// A method that returns its receiver as the handler: r.Handler().
func handlerMethod() *http.Server {
	r := gin.New()
	r.Any("/v1/*path", gin.WrapH(httputil.NewSingleHostReverseProxy(target)))
	return &http.Server{Handler: r.Handler(), ReadHeaderTimeout: time.Second,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of r.Handler\(\) \(httputil.ReverseProxy, wtgin.go:\d+\)`
}
