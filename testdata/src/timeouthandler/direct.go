// Package timeouthandler holds http.TimeoutHandler wrapped around
// streaming handlers.
package timeouthandler

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"
)

var target, _ = url.Parse("http://127.0.0.1:2375")

var proxy = httputil.NewSingleHostReverseProxy(target)

type config struct{ Timeout time.Duration }

func events(w http.ResponseWriter, r *http.Request) {
	for i := 0; ; i++ {
		fmt.Fprintf(w, "data: %d\n\n", i)
		w.(http.Flusher).Flush()
		time.Sleep(time.Second)
	}
}

func download(w http.ResponseWriter, r *http.Request) {
	f, _ := os.Open("big.tar")
	defer f.Close()
	io.Copy(w, f)
}

func upload(w http.ResponseWriter, r *http.Request) {
	f, _ := os.Create("upload.bin")
	defer f.Close()
	io.Copy(f, r.Body)
}

func logging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
	})
}

type sse struct{}

func (sse) ServeHTTP(w http.ResponseWriter, r *http.Request) { events(w, r) }

func routes(cfg config) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/v1/", http.TimeoutHandler(proxy, 30*time.Second, "timeout"))                      // want `^http.TimeoutHandler buffers the whole response of proxy \(httputil.ReverseProxy, direct.go:17\) and drops a stream longer than 30s for a 503: serve it unwrapped$`
	mux.Handle("/events", http.TimeoutHandler(http.HandlerFunc(events), 10*time.Second, ""))       // want `buffers the whole response of http.HandlerFunc\(events\) \(a Flush loop, direct.go:24\)`
	mux.Handle("/download", http.TimeoutHandler(http.HandlerFunc(download), time.Minute, ""))      // want `of http.HandlerFunc\(download\) \(io.Copy of f into the ResponseWriter, direct.go:\d+\).* longer than 1m0s`
	mux.Handle("/logged/", http.TimeoutHandler(logging(proxy), time.Minute, ""))                   // want `buffers the whole response of logging\(proxy\) \(httputil.ReverseProxy`
	mux.Handle("/strip/", http.TimeoutHandler(http.StripPrefix("/strip", proxy), time.Minute, "")) // want `of http.StripPrefix\("/strip", proxy\) \(httputil.ReverseProxy`
	mux.Handle("/cfg/", http.TimeoutHandler(proxy, cfg.Timeout, ""))                               // want `drops a stream longer than cfg.Timeout`
	mux.Handle("/sse", http.TimeoutHandler(sse{}, time.Minute, ""))                                // want `of sse\{\} \(a Flush loop`
	mux.Handle("/upload", http.TimeoutHandler(http.HandlerFunc(upload), time.Minute, ""))          // want `^http.TimeoutHandler ends the upload read by http.HandlerFunc\(upload\) \(io.Copy from the request body, direct.go:\d+\) with a 503 after 1m0s: serve it unwrapped`
	return mux
}

func server() *http.Server {
	return &http.Server{Handler: http.TimeoutHandler(proxy, time.Minute, "")} // want `buffers the whole response of proxy`
}

func wholeMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", proxy)
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {})
	return http.TimeoutHandler(mux, 5*time.Second, "") // want `buffers the whole response of mux \(httputil.ReverseProxy`
}

func localMsg() http.Handler {
	msg := "upstream timed out"
	h := http.TimeoutHandler(proxy, time.Minute, msg) // want `buffers the whole response of proxy`
	return h
}

var guarded = http.TimeoutHandler(proxy, time.Minute, "timeout") // want `buffers the whole response of proxy`

func reassigned() http.Handler {
	var h http.Handler = proxy
	h = http.TimeoutHandler(h, time.Minute, "") // want `buffers the whole response of h \(httputil.ReverseProxy`
	return h
}

// withTimeout is a wrapper: h is unknown inside, its callers are checked.
func withTimeout(h http.Handler) http.Handler { // want withTimeout:"wraps arg0 in http.TimeoutHandler \\(30s\\)"
	return http.TimeoutHandler(h, 30*time.Second, "")
}

func hello(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }

func wrappers() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/api", withTimeout(http.HandlerFunc(hello))) // ok: hello does not stream, it keeps its timeout
	mux.Handle("/p/", withTimeout(proxy))                    // want `^withTimeout \(direct.go:\d+\), an http.TimeoutHandler, buffers the whole response of proxy \(httputil.ReverseProxy, direct.go:17\)`
	wrap := func(h http.Handler) http.Handler { return http.TimeoutHandler(h, time.Second, "") }
	mux.Handle("/a", wrap(http.HandlerFunc(hello))) // ok: a sibling that does not stream keeps its wrapper
	mux.Handle("/b", wrap(proxy))                   // want `^wrap \(direct.go:\d+\), an http.TimeoutHandler, buffers the whole response of proxy .*longer than 1s`
	return mux
}

func guardProxy(p *httputil.ReverseProxy) http.Handler {
	return http.TimeoutHandler(p, time.Minute, "") // want `buffers the whole response of p \(httputil.ReverseProxy, direct.go:\d+\)`
}

// Every call of wrapAll passes a stream: the fixes leave wrapAll unused
// and delete it.
func allStreams() *http.ServeMux {
	mux := http.NewServeMux()
	wrapAll := func(h http.Handler) http.Handler { return http.TimeoutHandler(h, time.Second, "") }
	mux.Handle("/c", wrapAll(proxy))                    // want `^wrapAll \(direct.go:\d+\), an http.TimeoutHandler, buffers the whole response of proxy`
	mux.Handle("/d", wrapAll(http.HandlerFunc(events))) // want `^wrapAll \(direct.go:\d+\), an http.TimeoutHandler, buffers the whole response of http.HandlerFunc\(events\)`
	return mux
}

// The message is built by a call: deleting it could lose an effect, so
// this finding has no fix, and the other fixes in the file still apply.
func impureMsg(mux *http.ServeMux) {
	msg := fmt.Sprintf("%s timed out", "upstream")
	mux.Handle("/impure/", http.TimeoutHandler(proxy, time.Minute, msg)) // want `buffers the whole response of proxy`
}

// A method wrapper, defined in neg.go, called with a stream.
var gatedProxy = gate{}.bound(proxy) // want `^bound \(neg.go:\d+\), an http.TimeoutHandler, buffers the whole response of proxy`
