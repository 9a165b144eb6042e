package wt

import (
	"bytes"
	"context"
	"embed"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Downloads: what a handler serves is judged by what it is, not by the
// call that serves it.

// Store holds objects of any size: uploads, blobs, S3 objects.
type Store interface {
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
}

type blobs struct{ store Store }

// An object of the store, served with http.ServeContent.
func (b *blobs) get(w http.ResponseWriter, r *http.Request) {
	obj, err := b.store.Open(r.Context(), r.URL.Path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer obj.Close()
	http.ServeContent(w, r, r.URL.Path, time.Time{}, obj)
}

func blobServer(s Store) *http.Server {
	b := &blobs{store: s}
	return &http.Server{Handler: http.HandlerFunc(b.get), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of http.HandlerFunc\(b.get\) \(http.ServeContent of obj, downloads.go:\d+\)`
}

type settings struct{ DataDir string }

// The files of a directory from configuration that uploads are saved in:
// files of any size.
func filesServer(cfg settings) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Create(filepath.Join(cfg.DataDir, filepath.Base(r.URL.Path)))
		if err != nil {
			return
		}
		defer f.Close()
		io.Copy(f, http.MaxBytesReader(w, r.Body, 1<<20))
	})
	mux.Handle("/files/", http.StripPrefix("/files/", http.FileServer(http.Dir(cfg.DataDir))))
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of mux \(http.FileServer of http.Dir\(cfg.DataDir\), downloads.go:\d+\)`
}

// A file of a directory the program fills, by name.
func artefactServer(dir string) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /build", func(w http.ResponseWriter, r *http.Request) {
		os.WriteFile(filepath.Join(dir, "latest.tar"), nil, 0o644)
	})
	mux.HandleFunc("/artefacts/", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(dir, filepath.Clean(r.URL.Path)))
	})
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of mux \(http.ServeFile of filepath.Join`
}

//go:embed writers.go
var assets embed.FS

var page = []byte("<!doctype html>")

// ok: the program's own assets (a constant directory, a configured one
// it never writes into, an embedded file system, a page in memory) are
// small and bounded.
func assetServer(cfg settings, webRoot string) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("/app/", http.FileServer(http.Dir(webRoot)))
	mux.Handle("/static/", http.FileServer(http.Dir("./static")))
	mux.Handle("/ui/", http.FileServer(http.FS(assets)))
	mux.Handle("/ui2/", http.FileServerFS(assets))
	mux.HandleFunc("/index.html", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(page))
	})
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("static", "favicon.ico"))
	})
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // ok: assets only
}
