package a // want package:"reaches httputil.ReverseProxy"
// Recovers on request paths, in one package.

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
)

var target = &url.URL{Scheme: "http", Host: "localhost:2375"}

var debug bool

// app is the rest of the program: a handler, so it may abort.
var app http.Handler = http.NotFoundHandler()

func work(w http.ResponseWriter, r *http.Request) { app.ServeHTTP(w, r) }

// Logging the value and answering 500 drops the abort.
func logs(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil { // want `recover in the function deferred by handler logs swallows http.ErrAbortHandler: a cut response looks complete to the client; re-panic it`
			log.Printf("panic: %v", v)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	work(w, r)
}

// Dropping the abort on purpose around a proxy, to keep the log quiet.
func quietProxy(p *httputil.ReverseProxy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if err := recover(); err != nil && err != http.ErrAbortHandler { // want `recover in the function deferred by the handler closure in quietProxy compares the value with http.ErrAbortHandler but does not re-panic it: a cut response looks complete`
				log.Print(err)
			}
		}()
		p.ServeHTTP(w, r)
	})
}

func abort(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }

// Comparing with ErrAbortHandler and then calling an abort function
// instead of panic still swallows it.
func abortInstead(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil { // want `compares the value with http.ErrAbortHandler but calls abort instead of re-panicking`
			if v == http.ErrAbortHandler {
				abort(w)
				return
			}
			log.Print(v)
		}
	}()
	work(w, r)
}

type server struct{ next http.Handler }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { // want ServeHTTP:"swallows aborts: guard"
	defer func() {
		if recover() != nil { // want `recover in the function deferred by \(\*a.server\).ServeHTTP swallows http.ErrAbortHandler`
			w.WriteHeader(http.StatusInternalServerError)
		}
	}()
	s.next.ServeHTTP(w, r)
}

func ignore(w http.ResponseWriter, r *http.Request) {
	defer func() {
		recover() // want `recover in the function deferred by handler ignore swallows`
	}()
	work(w, r)
}

func blank(w http.ResponseWriter, r *http.Request) {
	defer func() {
		_ = recover() // want `recover in the function deferred by handler blank swallows`
	}()
	work(w, r)
}

func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil { // want `recover in the function deferred by the handler closure in recoverer swallows`
				log.Print(v)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func recoverPanic(w http.ResponseWriter) {
	if v := recover(); v != nil { // want `recover in recoverPanic, deferred by handler deferred swallows`
		http.Error(w, fmt.Sprint(v), http.StatusInternalServerError)
	}
}

func deferred(w http.ResponseWriter, r *http.Request) {
	defer recoverPanic(w)
	work(w, r)
}

// A function that takes the ResponseWriter is on the request path.
func serve(p *httputil.ReverseProxy, w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil { // want `recover in the function deferred by serve swallows http.ErrAbortHandler`
			log.Print(v)
		}
	}()
	p.ServeHTTP(w, r)
}

// So is a function called from a handler.
func run(job func()) {
	defer func() {
		if v := recover(); v != nil { // want `recover in the function deferred by run swallows`
			log.Print(v)
		}
	}()
	job()
}

func viaRun(w http.ResponseWriter, r *http.Request) {
	run(func() { work(w, r) })
}

// A type switch that only tells strings apart drops errors.
func typeSwitch(w http.ResponseWriter, r *http.Request) {
	defer func() {
		switch v := recover().(type) { // want `recover in the function deferred by handler typeSwitch swallows`
		case nil:
		case string:
			log.Print(v)
		default:
			log.Printf("%v", v)
		}
	}()
	work(w, r)
}

// Re-panicking everything but aborts.
func allButAborts(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil { // want `compares the value with http.ErrAbortHandler but does not re-panic it`
			if err, ok := v.(error); ok && !errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
		}
	}()
	work(w, r)
}

// Turning the panic into an error result.
func toError(v any) error {
	if v == nil {
		return nil
	}
	return fmt.Errorf("panic: %v", v)
}

func handle(w http.ResponseWriter, r *http.Request) (err error) {
	defer func() {
		err = toError(recover()) // want `recover in the function deferred by handle swallows`
	}()
	work(w, r)
	return nil
}

// Re-panicking only in debug builds.
func debugOnly(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil { // want `recover in the function deferred by handler debugOnly swallows`
			if debug {
				panic(v)
			}
			log.Print(v)
		}
	}()
	work(w, r)
}

// A recovery function for handlers, deferred in other packages.
func RecoverTo(w http.ResponseWriter) { // want RecoverTo:"swallows aborts: recoverer"
	if e := recover(); e != nil { // want `recover in RecoverTo, a recovery function for handlers swallows`
		w.WriteHeader(http.StatusInternalServerError)
	}
}

func routes() {
	http.HandleFunc("/events", func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if e := recover(); e != nil { // want `recover in the function deferred by the handler closure in routes swallows`
				fmt.Fprintln(w, e)
			}
		}()
		work(w, r)
	})
	http.Handle("/proxy", recoverer(httputil.NewSingleHostReverseProxy(target)))
	http.Handle("/quiet", quietProxy(httputil.NewSingleHostReverseProxy(target)))
	http.Handle("/s", &server{next: http.HandlerFunc(work)})
}

// The value is stored in a variable that nobody re-panics.
func storedOnly(w http.ResponseWriter, r *http.Request) {
	var p any
	func() {
		defer func() { p = recover() }() // want `recover in the function deferred by a function literal in storedOnly swallows`
		work(w, r)
	}()
	if p != nil {
		log.Print(p)
	}
}

// proxyPanic is deferred by a handler that proxies: the abort it drops
// leaves the cut response looking complete.
func proxyPanic(w http.ResponseWriter) {
	if e := recover(); e != nil { // want `recover in proxyPanic, deferred by handler proxied swallows`
		w.WriteHeader(http.StatusBadGateway)
	}
}

func proxied(w http.ResponseWriter, r *http.Request) {
	defer proxyPanic(w)
	httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
}
