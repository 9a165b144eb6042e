package wt // want package:"sets 1 numeric fields"

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"

	"wtlib"
)

// A handler returned with an error by a constructor in another package,
// which builds a host router of proxies through functional options.
func frontServer(upstreams map[string]*url.URL) *http.Server {
	front, err := wtlib.NewFront(upstreams)
	if err != nil {
		log.Fatal(err)
	}
	return &http.Server{
		Handler:           front,
		ReadHeaderTimeout: time.Second,
		WriteTimeout:      time.Minute, // want `WriteTimeout \(1m0s\) cuts streaming responses of front \(httputil.ReverseProxy, wtlib.go:\d+\)`
	}
}

// A balancer whose ServeHTTP picks a proxy from a map, registered in a
// loop on routes read from configuration.
func balancerServer(routes map[string][]string) (*http.Server, error) {
	mux := http.NewServeMux()
	for prefix, hosts := range routes {
		b, err := wtlib.NewBalancer(hosts)
		if err != nil {
			return nil, err
		}
		mux.Handle(prefix, b)
	}
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: time.Second,
		ReadTimeout:       time.Minute, // want `ReadTimeout \(1m0s\) cuts streamed request bodies of mux`
	}, nil
}

// A route table: a map of handlers served by a loop.
func tableServer() *http.Server {
	table := map[string]http.Handler{
		"/healthz": http.HandlerFunc(apiHandler),
		"/api/":    wtlib.DefaultProxy,
	}
	mux := http.NewServeMux()
	for p, h := range table {
		mux.Handle(p, h)
	}
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of mux`
}

// ok: a front of short handlers built the same way, and a route table of
// short handlers.
func shortFronts() ([]*http.Server, error) {
	status, err := wtlib.NewStatus()
	if err != nil {
		return nil, err
	}
	table := []http.Handler{http.HandlerFunc(apiHandler), wtlib.NewAPI()}
	mux := http.NewServeMux()
	for _, h := range table {
		mux.Handle("/", h)
	}
	return []*http.Server{
		{Handler: status, WriteTimeout: time.Minute},
		{Handler: mux, WriteTimeout: time.Minute},
	}, nil
}

// A server made with new and configured field by field.
func newServer() *http.Server {
	srv := new(http.Server)
	srv.Addr = ":8080"
	srv.Handler = httputil.NewSingleHostReverseProxy(target)
	srv.WriteTimeout = 10 * time.Second // want `WriteTimeout \(10s\) cuts streaming responses of httputil.NewSingleHostReverseProxy\(target\)`
	return srv
}

// A runner from another package keeps the handler in a field and serves
// it on a server with a WriteTimeout: reported at the call.
func runners() {
	wtlib.NewRunner(":8080", wtlib.DefaultProxy).Run() // want `NewRunner serves wtlib.DefaultProxy \(httputil.ReverseProxy, wtlib.go:\d+\) on a server whose WriteTimeout \(30s, wtlib.go:\d+\) cuts streaming responses`
	wtlib.NewRunner(":8081", wtlib.NewAPI()).Run()     // ok: short handlers
}

// The method value proxy.ServeHTTP registered as a handler func is the
// proxy.
func routerFor(proxy *httputil.ReverseProxy) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/", proxy.ServeHTTP)
	return mux
}

func methodValueServer(proxy *httputil.ReverseProxy) *http.Server {
	return &http.Server{Handler: routerFor(proxy), ReadHeaderTimeout: time.Second,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of routerFor\(proxy\) \(httputil.ReverseProxy, builders.go:\d+\)`
}

// A helper that writes and flushes one event, called in a loop.
func sendEvent(w http.ResponseWriter, data string, flusher http.Flusher) {
	fmt.Fprintf(w, "data: %s\n\n", data)
	flusher.Flush()
}

func chat(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		return
	}
	for token := range tokens(r) {
		sendEvent(w, token, flusher)
	}
}

func tokens(r *http.Request) <-chan string { return make(chan string) }

func chatServer() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(chat), ReadHeaderTimeout: time.Second,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of http.HandlerFunc\(chat\) \(a Flush loop, builders.go:\d+\)`
}

// A constructor that returns another's (handler, error) results as they are.
func upstreamServer(u *url.URL) (*http.Server, error) {
	h, err := wtlib.NewUpstream(u)
	if err != nil {
		return nil, err
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: time.Second,
		WriteTimeout:      time.Minute, // want `WriteTimeout \(1m0s\) cuts streaming responses of h \(httputil.ReverseProxy, wtlib.go:\d+\)`
	}, nil
}

// A download served with http.ServeContent from a file streams; from
// memory it does not.
func fileDownload(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open("/srv/files" + r.URL.Path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	http.ServeContent(w, r, f.Name(), time.Time{}, f)
}

func banner(w http.ResponseWriter, r *http.Request) {
	http.ServeContent(w, r, "banner.txt", time.Time{}, bytes.NewReader([]byte("hello")))
}

func downloadServer() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/files/", fileDownload)
	mux.HandleFunc("/banner", banner)
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of mux \(http.ServeContent of f, builders.go:\d+\)`
}

// A static asset of an http.FileSystem, served as http.FileServer does.
func asset(w http.ResponseWriter, r *http.Request) {
	f, err := http.Dir("/srv/www").Open(r.URL.Path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	http.ServeContent(w, r, r.URL.Path, time.Time{}, f)
}

// ok: a banner served from memory, and static assets.
func bannerServer() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/banner", banner)
	mux.HandleFunc("/assets/", asset)
	return &http.Server{Handler: mux, WriteTimeout: time.Minute}
}

// An upload limited by a size from configuration is still an upload.
type uploadConfig struct{ MaxUploadSize int64 }

func store(cfg uploadConfig) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body := http.MaxBytesReader(w, r.Body, cfg.MaxUploadSize)
		f, err := os.Create("/srv/upload")
		if err != nil {
			return
		}
		defer f.Close()
		io.Copy(f, body)
	}
}

func limitedUploadServer(cfg uploadConfig) *http.Server {
	return &http.Server{Handler: http.HandlerFunc(store(cfg)), ReadHeaderTimeout: time.Second,
		ReadTimeout: time.Minute} // want `ReadTimeout \(1m0s\) cuts streamed request bodies of http.HandlerFunc\(store\(cfg\)\) \(io.Copy from the request body, builders.go:\d+\)`
}
