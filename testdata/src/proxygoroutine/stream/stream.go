// Package stream serves streams for other packages.
package stream

import (
	"io"
	"net/http"
	"net/http/httputil"
)

// Logs follows a log file.
func Logs(w http.ResponseWriter, r *http.Request) {
	resp, err := http.Get("http://localhost:2375/logs?follow=1")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	io.Copy(w, resp.Body)
}

// Forward serves p for a handler.
func Forward(p *httputil.ReverseProxy, w http.ResponseWriter, r *http.Request) { // want Forward:"serves httputil.ReverseProxy"
	p.ServeHTTP(w, r)
}

// Hello does not stream.
func Hello(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "hello")
}

// Async serves next on a goroutine of its own.
func Async(next http.Handler) http.Handler { // want Async:"serves arg0 on a new goroutine"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := make(chan struct{})
		go func() { // want `the goroutine started by a go statement serves next, a handler users of this package pass`
			defer close(done)
			next.ServeHTTP(w, r)
		}()
		<-done
	})
}
