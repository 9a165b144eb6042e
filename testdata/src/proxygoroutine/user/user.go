// A program that serves streams of another package on goroutines.
package user

import (
	"net/http"
	"net/http/httputil"
	"net/url"

	"proxygoroutine/stream"
)

var proxy = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "localhost:2375"})

func logs(w http.ResponseWriter, r *http.Request) {
	go stream.Logs(w, r) // want `the goroutine started by a go statement serves stream.Logs \(io.Copy of resp.Body into the ResponseWriter, stream.go:17\)`
}

func forward(w http.ResponseWriter, r *http.Request) {
	go stream.Forward(proxy, w, r) // want `serves stream.Forward \(httputil.ReverseProxy, \w+.go:\d+\)`
}

func hello(w http.ResponseWriter, r *http.Request) {
	go stream.Hello(w, r) // ok: does not stream
}

func routes() {
	http.Handle("/logs", stream.Async(http.HandlerFunc(stream.Logs)))   // want `stream.Async serves its argument next on a new goroutine \(stream.go:\d+\): given the stream http.HandlerFunc\(stream.Logs\) \(io.Copy of resp.Body into the ResponseWriter, stream.go:17\), an abort or any other panic crashes the process`
	http.Handle("/hello", stream.Async(http.HandlerFunc(stream.Hello))) // ok: Hello does not stream
	http.HandleFunc("/l", logs)
	http.HandleFunc("/f", forward)
	http.HandleFunc("/h", hello)
}
