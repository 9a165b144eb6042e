// Package wtecho4: echo v4 apps whose server has absolute timeouts.
package wtecho4

import (
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

var target = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}

// Server-sent events with c.Response().Flush(), on a group.
func events(c echo.Context) error {
	c.Response().Header().Set("Content-Type", "text/event-stream")
	for i := 0; ; i++ {
		if _, err := io.WriteString(c.Response(), "data: tick\n\n"); err != nil {
			return err
		}
		c.Response().Flush()
		time.Sleep(time.Second)
	}
}

// e.Server configured in place, then e.Start.
func serverField() {
	e := echo.New()
	api := e.Group("/api")
	api.GET("/events", events)
	e.Server.ReadHeaderTimeout = time.Second
	e.Server.IdleTimeout = time.Minute
	e.Server.WriteTimeout = 30 * time.Second // want `WriteTimeout \(30s\) cuts streaming responses of e \(a Flush loop, wtecho4.go:24\)`
	e.Logger.Fatal(e.Start(":8080"))
}

// echo.WrapHandler around a ReverseProxy, served by e.StartServer.
func startServer() {
	e := echo.New()
	e.Any("/docker/*", echo.WrapHandler(httputil.NewSingleHostReverseProxy(target)))
	srv := &http.Server{
		Addr:              ":8080",
		ReadHeaderTimeout: time.Second,
		IdleTimeout:       time.Minute,
		WriteTimeout:      time.Minute, // want `WriteTimeout \(1m0s\) cuts streaming responses of e \(httputil.ReverseProxy, wtecho4.go:43\)`
	}
	e.Logger.Fatal(e.StartServer(srv))
}

// echo's proxy middleware, installed with Use, behind an http.Server.
func proxyMiddleware() *http.Server {
	e := echo.New()
	e.Use(middleware.Proxy(middleware.NewRoundRobinBalancer([]*middleware.ProxyTarget{{URL: target}})))
	return &http.Server{Handler: e, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of e \(httputil.ReverseProxy`
}

// ok: a JSON API behind e.Server's WriteTimeout; echo's Recover re-panics nothing to report here
func jsonOnly() {
	e := echo.New()
	e.Use(middleware.Recover())
	e.GET("/status", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]bool{"ok": true}) })
	e.Server.ReadTimeout = 5 * time.Second
	e.Server.WriteTimeout = 10 * time.Second
	e.Logger.Fatal(e.Start(":8080"))
}
