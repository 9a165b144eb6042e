package wt

import (
	"fmt"
	"net/http"
	"time"
)

// A route table of positional literals: the handler is the fourth field.

type route struct {
	name, method, pattern string
	handler               http.HandlerFunc
}

func percentDone(w http.ResponseWriter, r *http.Request) {
	for i := range 100 {
		fmt.Fprintf(w, "%d%%\n", i)
		w.(http.Flusher).Flush()
		time.Sleep(time.Second)
	}
}

func version(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "v1") }

var table = []route{
	{"progress", "GET", "/progress", percentDone},
	{"version", "GET", "/version", version},
}

func routeTableServer() *http.Server {
	mux := http.NewServeMux()
	for _, rt := range table {
		mux.Handle(rt.method+" "+rt.pattern, rt.handler)
	}
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of mux \(a Flush loop, routes.go:\d+\)`
}

type staticPage struct {
	pattern string
	handler http.HandlerFunc
}

var staticPages = []staticPage{{"/version", version}}

func pagesServer() *http.Server {
	mux := http.NewServeMux()
	for _, p := range staticPages {
		mux.Handle(p.pattern, p.handler)
	}
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // ok: no staticPage streams
}
