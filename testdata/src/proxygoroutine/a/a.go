// Streams served from goroutines of their own.
package a

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

var target = &url.URL{Scheme: "http", Host: "localhost:2375"}

var proxy = httputil.NewSingleHostReverseProxy(target)

func waitGroup(w http.ResponseWriter, r *http.Request) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // want `the goroutine started by a go statement serves proxy.ServeHTTP \(httputil.ReverseProxy, a.go:16\): an http.ErrAbortHandler panic there crashes the process; serve it on the handler goroutine$`
		defer wg.Done()
		proxy.ServeHTTP(w, r)
	}()
	wg.Wait()
}

func goDirect(p *httputil.ReverseProxy, wg *sync.WaitGroup) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		go p.ServeHTTP(w, r) // want `the goroutine started by a go statement serves p.ServeHTTP \(httputil.ReverseProxy, \w+.go:\d+\): an http.ErrAbortHandler panic there crashes the process`
		wg.Wait()
	}
}

func closes(w http.ResponseWriter, r *http.Request) {
	done := make(chan struct{})
	go func() { // want `serves proxy.ServeHTTP`
		defer close(done)
		proxy.ServeHTTP(w, r)
	}()
	<-done
}

func sends(w http.ResponseWriter, r *http.Request) {
	done := make(chan struct{})
	// No fix: served inline, the send would block.
	go func() { // want `serves proxy.ServeHTTP`
		proxy.ServeHTTP(w, r)
		done <- struct{}{}
	}()
	<-done
}

// events streams server-sent events.
func events(w http.ResponseWriter, r *http.Request) {
	for i := 0; i < 10; i++ {
		fmt.Fprintf(w, "data: %d\n\n", i)
		w.(http.Flusher).Flush()
	}
}

func background(w http.ResponseWriter, r *http.Request) {
	go events(w, r) // want `the goroutine started by a go statement serves events \(a Flush loop, a.go:\d+\): an abort or any other panic there crashes the process; serve it on the handler goroutine$`
	time.Sleep(time.Second)
}

func waitGroupGo(w http.ResponseWriter, r *http.Request) {
	var wg sync.WaitGroup
	wg.Go(func() { // want `the goroutine started by wg.Go serves proxy.ServeHTTP`
		proxy.ServeHTTP(w, r)
	})
	wg.Wait()
}

func logsPanic(w http.ResponseWriter, r *http.Request) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // want `the goroutine started by a go statement serves proxy.ServeHTTP \(httputil.ReverseProxy, a.go:16\) and recovers its panics without handing them back: truncated responses look complete; re-panic on the handler goroutine$`
		defer wg.Done()
		defer func() {
			if v := recover(); v != nil {
				log.Print(v)
			}
		}()
		proxy.ServeHTTP(w, r)
	}()
	wg.Wait()
}

func rePanicsThere(w http.ResponseWriter, r *http.Request) {
	done := make(chan struct{})
	go func() { // want `serves proxy.ServeHTTP .*crashes the process`
		defer close(done)
		defer func() {
			if v := recover(); v != nil {
				panic(v)
			}
		}()
		proxy.ServeHTTP(w, r)
	}()
	select {
	case <-done:
	case <-r.Context().Done():
	}
}

// forward serves the proxy for a handler.
func forward(p *httputil.ReverseProxy, w http.ResponseWriter, r *http.Request) {
	r.Header.Del("X-Forwarded-For")
	p.ServeHTTP(w, r)
}

func viaForward(w http.ResponseWriter, r *http.Request) {
	done := make(chan bool)
	go func() { // want `serves forward \(httputil.ReverseProxy, \w+.go:\d+\)`
		forward(proxy, w, r)
		close(done)
	}()
	<-done
}

func forwardDirect(w http.ResponseWriter, r *http.Request) {
	go forward(proxy, w, r) // want `serves forward`
}

func muxed(w http.ResponseWriter, r *http.Request) {
	mux := http.NewServeMux()
	mux.Handle("/v1/", proxy)
	go mux.ServeHTTP(w, r) // want `serves mux.ServeHTTP \(httputil.ReverseProxy, a.go:16\)`
}

type gateway struct {
	upstream *httputil.ReverseProxy
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	go g.upstream.ServeHTTP(w, r) // want `serves g.upstream.ServeHTTP \(httputil.ReverseProxy`
}

func later(w http.ResponseWriter, r *http.Request) {
	time.AfterFunc(time.Millisecond, func() { // want `the goroutine started by time.AfterFunc serves proxy.ServeHTTP`
		proxy.ServeHTTP(w, r)
	})
}

func selects(w http.ResponseWriter, r *http.Request) {
	done := make(chan struct{})
	// No fix: the handler does not wait right after.
	go func() { // want `serves proxy.ServeHTTP`
		defer close(done)
		proxy.ServeHTTP(w, r)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
	}
}

// async serves next on a goroutine: the check reports the wrapping of a
// stream, where it is known to stream.
func async(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		result := make(chan error)
		go func() {
			next.ServeHTTP(w, r)
			result <- nil
		}()
		if err := <-result; err != nil {
			log.Print(err)
		}
	})
}

func routes() {
	http.HandleFunc("/later", later)
	http.Handle("/async", async(proxy))                   // want `async serves its argument next on a new goroutine \(a.go:\d+\): given the stream proxy \(httputil.ReverseProxy, a.go:16\), an http.ErrAbortHandler panic crashes the process; serve next on the handler goroutine$`
	http.Handle("/hello", async(http.HandlerFunc(hello))) // ok: hello does not stream
}

// asyncFunc serves a handler func on a goroutine.
func asyncFunc(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		go h(w, r)
	}
}

var _ = asyncFunc(events) // want `asyncFunc serves its argument h on a new goroutine \(a.go:\d+\): given the stream events \(a Flush loop, a.go:\d+\), an abort or any other panic crashes the process`
