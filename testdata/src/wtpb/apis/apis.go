// Package apis registers the application's routes and serves them.
package apis

import (
	"bytes"
	"embed"
	"net/http"
	"path/filepath"
	"time"

	"wtpb/core"
	"wtpb/filesystem"
	"wtpb/router"
)

//go:embed apis.go
var uiFS embed.FS

// NewRouter returns the router with every API bound.
func NewRouter(backups *filesystem.System) (*router.Router[*core.RequestEvent], error) {
	r := router.NewRouter(func(w http.ResponseWriter, req *http.Request) *core.RequestEvent {
		return &core.RequestEvent{Event: router.Event{Response: w, Request: req}, Backups: backups}
	})
	api := r.Group("/api")
	bindBackupApi(api)
	bindHealthApi(api)
	return r, nil
}

func bindBackupApi(rg *router.RouterGroup[*core.RequestEvent]) {
	sub := rg.Group("/backups")
	sub.GET("/{key}", backupDownload)
}

func bindHealthApi(rg *router.RouterGroup[*core.RequestEvent]) {
	rg.GET("/health", func(e *core.RequestEvent) error {
		_, err := e.Response.Write([]byte(`{"code":200}`))
		return err
	})
	rg.GET("/extensions.js", func(e *core.RequestEvent) error {
		buf := new(bytes.Buffer)
		buf.WriteString("console.log('ready')")
		return e.Stream(http.StatusOK, "text/javascript", buf)
	})
	rg.GET("/ui/{path...}", func(e *core.RequestEvent) error {
		return e.FileFS(uiFS, e.Request.PathValue("path"))
	})
}

// backupDownload serves a backup archive: gigabytes.
func backupDownload(e *core.RequestEvent) error {
	key := e.Request.PathValue("key")
	return e.Backups.Serve(e.Response, e.Request, key, filepath.Base(key))
}

// Serve starts the server once the hooks have run.
func Serve(backups *filesystem.System, addr string) error {
	server := &http.Server{
		Addr:              addr,
		ReadHeaderTimeout: time.Minute,
		WriteTimeout:      5 * time.Minute, // want `WriteTimeout \(5m0s\) cuts streaming responses of handler \(http.ServeContent of br, filesystem.go:\d+\)`
	}
	pbRouter, err := NewRouter(backups)
	if err != nil {
		return err
	}
	serveEvent := &core.ServeEvent{Router: pbRouter, Server: server}
	return core.OnServe(serveEvent, func(e *core.ServeEvent) error {
		handler, err := e.Router.BuildMux()
		if err != nil {
			return err
		}
		e.Server.Handler = handler
		return e.Server.ListenAndServe()
	})
}

// ServeStatus serves the health API alone.
func ServeStatus(addr string) error {
	r := router.NewRouter(func(w http.ResponseWriter, req *http.Request) *core.RequestEvent {
		return &core.RequestEvent{Event: router.Event{Response: w, Request: req}}
	})
	bindHealthApi(r.Group("/api"))
	h, err := r.BuildMux()
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: time.Minute, WriteTimeout: time.Minute} // ok: one small JSON answer
	return srv.ListenAndServe()
}
