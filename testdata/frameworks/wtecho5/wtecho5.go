// Package wtecho5: echo v5 apps behind servers with absolute timeouts.
package wtecho5

import (
	"context"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
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
	return &http.Server{Handler: e, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of e \(a Flush loop, wtecho5.go:\d+\)`
}

// echo.WrapHandler around a ReverseProxy.
func wrap() *http.Server {
	e := echo.New()
	e.Any("/docker/*", echo.WrapHandler(httputil.NewSingleHostReverseProxy(target)))
	return &http.Server{Handler: e, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of e \(httputil.ReverseProxy, wtecho5.go:\d+\)`
}

// ok: a JSON API with echo's Recover (which re-panics http.ErrAbortHandler)
func jsonOnly() *http.Server {
	e := echo.New()
	e.Use(middleware.Recover())
	e.GET("/status", func(c *echo.Context) error { return c.JSON(http.StatusOK, map[string]bool{"ok": true}) })
	return &http.Server{Handler: e, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute}
}

// An upload streamed to a file.
func upload(c *echo.Context) error {
	f, err := os.Create("/tmp/upload")
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, c.Request().Body)
	return err
}

// e.Start serves e on a server whose ReadTimeout echo v5 sets to 30s.
func start() error {
	e := echo.New()
	e.POST("/upload", upload)
	return e.Start(":8080") // want `Start serves e \(io.Copy from the request body, wtecho5.go:\d+\) on a server whose ReadTimeout \(30s, \S*server.go:\d+\) cuts streamed request bodies`
}

// ok: the JSON API is not cut by echo's ReadTimeout.
func startJSON() error {
	e := echo.New()
	e.GET("/status", func(c *echo.Context) error { return c.JSON(http.StatusOK, map[string]bool{"ok": true}) })
	return e.Start(":8081")
}

// Timeouts set by the program in echo v5's BeforeServeFunc apply to the
// server StartConfig.Start builds for e.
func startConfig(ctx context.Context) error {
	e := echo.New()
	e.GET("/events", events)
	sc := echo.StartConfig{
		Address: ":8080",
		BeforeServeFunc: func(s *http.Server) error {
			s.WriteTimeout = time.Minute // want `WriteTimeout \(1m0s\) cuts streaming responses of e \(a Flush loop, wtecho5.go:\d+\)`
			return nil
		},
	}
	return sc.Start(ctx, e)
}

// ok: the callback takes off the ReadTimeout echo sets, so the upload is
// not cut.
func startConfigUpload(ctx context.Context) error {
	e := echo.New()
	e.POST("/upload", upload)
	return echo.StartConfig{Address: ":8080", BeforeServeFunc: func(s *http.Server) error {
		s.ReadTimeout = 0
		s.ReadHeaderTimeout = 10 * time.Second
		return nil
	}}.Start(ctx, e)
}
