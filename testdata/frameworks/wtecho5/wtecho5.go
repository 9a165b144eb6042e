// Package wtecho5: echo v5 apps behind servers with absolute timeouts.
package wtecho5

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

var target = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}

// Server-sent events through http.ResponseController on c.Response().
func events(c *echo.Context) error {
	rc := http.NewResponseController(c.Response())
	for {
		if _, err := c.Response().Write([]byte("data: tick\n\n")); err != nil {
			return err
		}
		if err := rc.Flush(); err != nil {
			return err
		}
		time.Sleep(time.Second)
	}
}

func group() *http.Server {
	e := echo.New()
	g := e.Group("/api")
	g.GET("/events", events)
	return &http.Server{Handler: e, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of e \(a Flush loop, wtecho5.go:23\)`
}

// echo.WrapHandler around a ReverseProxy.
func wrap() *http.Server {
	e := echo.New()
	e.Any("/docker/*", echo.WrapHandler(httputil.NewSingleHostReverseProxy(target)))
	return &http.Server{Handler: e, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of e \(httputil.ReverseProxy, wtecho5.go:40\)`
}

// ok: a JSON API with echo's Recover (which re-panics http.ErrAbortHandler)
func jsonOnly() *http.Server {
	e := echo.New()
	e.Use(middleware.Recover())
	e.GET("/status", func(c *echo.Context) error { return c.JSON(http.StatusOK, map[string]bool{"ok": true}) })
	return &http.Server{Handler: e, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute}
}
