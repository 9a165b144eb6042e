// Package wtrouters: chi, gorilla/mux and httprouter apps behind servers
// with absolute timeouts.
package wtrouters

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/handlers"
	"github.com/gorilla/mux"
	"github.com/julienschmidt/httprouter"
)

var target = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}

// Server-sent events.
func events(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	for {
		fmt.Fprintf(w, "data: %s\n\n", time.Now())
		http.NewResponseController(w).Flush()
		time.Sleep(time.Second)
	}
}

func status(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }

func auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(w, r) })
}

// chi: a route registered inside r.Route.
func chiRoute() *http.Server {
	r := chi.NewRouter()
	r.Use(middleware.Logger)
	r.Get("/status", status)
	r.Route("/api", func(r chi.Router) {
		r.Get("/events", events)
	})
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of r \(a Flush loop, wtrouters.go:28\)`
}

// chi: a proxy in a Group, behind middleware.
func chiGroup() *http.Server {
	r := chi.NewRouter()
	r.Group(func(r chi.Router) {
		r.Use(auth)
		r.Handle("/docker/*", httputil.NewSingleHostReverseProxy(target))
	})
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of r \(httputil.ReverseProxy`
}

// chi: r.With(mw).Get.
func chiWith() *http.Server {
	r := chi.NewRouter()
	r.With(auth).Get("/events", events)
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of r \(a Flush loop`
}

// ok: a chi app without streams, with chi's Recoverer (which re-panics http.ErrAbortHandler)
func chiPlain() *http.Server {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Route("/api", func(r chi.Router) {
		r.Get("/status", status)
	})
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute}
}

// gorilla/mux: a sub-router of a path prefix, behind gorilla's logging handler.
func gorillaSubrouter() *http.Server {
	r := mux.NewRouter()
	api := r.PathPrefix("/api").Subrouter()
	api.HandleFunc("/events", events).Methods(http.MethodGet)
	r.HandleFunc("/status", status)
	return &http.Server{Handler: handlers.LoggingHandler(os.Stdout, r), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of handlers.LoggingHandler\(os.Stdout, r\) \(a Flush loop`
}

// ok: a gorilla/mux app without streams
func gorillaPlain() *http.Server {
	r := mux.NewRouter()
	r.PathPrefix("/api").Subrouter().HandleFunc("/status", status)
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute}
}

// httprouter: a handle with route parameters that proxies.
func httprouterHandle() *http.Server {
	proxy := httputil.NewSingleHostReverseProxy(target)
	router := httprouter.New()
	router.GET("/containers/:id/logs", func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		proxy.ServeHTTP(w, r)
	})
	return &http.Server{Handler: router, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of router \(httputil.ReverseProxy`
}

// httprouter: router.Handler with an http.Handler.
func httprouterHandler() *http.Server {
	router := httprouter.New()
	router.Handler(http.MethodGet, "/events", http.HandlerFunc(events))
	return &http.Server{Handler: router, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of router \(a Flush loop`
}

// ok: an httprouter app without streams
func httprouterPlain() *http.Server {
	router := httprouter.New()
	router.GET("/status", func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) { status(w, r) })
	return &http.Server{Handler: router, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute}
}

// A deadline clear whose failure is logged while the stream goes on: behind
// a ResponseWriter wrapper without Unwrap it fails and the timeout still cuts.
func loggedClear(w http.ResponseWriter, r *http.Request) {
	if err := http.NewResponseController(w).SetWriteDeadline(time.Time{}); err != nil {
		log.Print(err)
	}
	events(w, r)
}

func loggedClearServer() *http.Server {
	r := chi.NewRouter()
	r.Use(middleware.Logger)
	r.Get("/events", loggedClear)
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of r \(a Flush loop, wtrouters.go:28\).*when it fails`
}

// ok: the handler stops when the deadline cannot be cleared
func stoppingClear(w http.ResponseWriter, r *http.Request) {
	err := http.NewResponseController(w).SetWriteDeadline(time.Time{})
	if err != nil {
		http.Error(w, "cannot stream here", http.StatusInternalServerError)
		return
	}
	events(w, r)
}

func stoppingClearServer() *http.Server {
	r := chi.NewRouter()
	r.Get("/events", stoppingClear)
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute}
}

// instrument returns middleware, as tracing libraries do.
func instrument(op string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler { return next }
}

// Middleware applied from a slice and from a factory's result.
func chained() *http.Server {
	var h http.Handler = httputil.NewSingleHostReverseProxy(target)
	for _, m := range []func(http.Handler) http.Handler{auth, middleware.Logger} {
		h = m(h)
	}
	return &http.Server{Handler: instrument("proxy")(h), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of instrument\("proxy"\)\(h\) \(httputil.ReverseProxy`
}

// ok: the same chain around a short handler
func chainedPlain() *http.Server {
	var h http.Handler = http.HandlerFunc(status)
	for _, m := range []func(http.Handler) http.Handler{auth, middleware.Logger} {
		h = m(h)
	}
	return &http.Server{Handler: instrument("status")(h), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute}
}

// A helper serves the proxy it is given: a *httputil.ReverseProxy
// parameter streams whatever the caller passes.
func serveVia(w http.ResponseWriter, r *http.Request, p *httputil.ReverseProxy) { p.ServeHTTP(w, r) }

func viaHelper() *http.Server {
	p := httputil.NewSingleHostReverseProxy(target)
	r := chi.NewRouter()
	r.Post("/logs", func(w http.ResponseWriter, r *http.Request) { serveVia(w, r, p) })
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, ReadTimeout: time.Minute} // want `ReadTimeout \(1m0s\) cuts streamed request bodies of r \(httputil.ReverseProxy`
}

// A handler stored in a router's field routes there: gorilla's
// NotFoundHandler.
func notFoundProxy() *http.Server {
	r := mux.NewRouter()
	r.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	r.NotFoundHandler = httputil.NewSingleHostReverseProxy(target)
	return &http.Server{Handler: r, ReadHeaderTimeout: time.Second,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of r \(httputil.ReverseProxy, wtrouters.go:\d+\)`
}

// ok: a route for GET only receives no upload, so ReadTimeout cuts nothing
// there, even in front of a proxy.
func getOnly() *http.Server {
	p := httputil.NewSingleHostReverseProxy(target)
	r := chi.NewRouter()
	r.Get("/logs", func(w http.ResponseWriter, r *http.Request) { serveVia(w, r, p) })
	mux := http.NewServeMux()
	mux.Handle("GET /files/", p)
	mux.Handle("/", r)
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, ReadTimeout: time.Minute}
}

// ok: a handler that turns away all but GET and HEAD reads no upload.
func getGuard() *http.Server {
	p := httputil.NewSingleHostReverseProxy(target)
	h := func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p.ServeHTTP(w, r)
	}
	return &http.Server{Handler: http.HandlerFunc(h), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, ReadTimeout: time.Minute}
}
