package a

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
)

func hello(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") }

func forwardsOverChannel(w http.ResponseWriter, r *http.Request) {
	panics := make(chan any, 1)
	go func() { // ok: the panic is sent back and re-panicked on the handler goroutine
		defer func() { panics <- recover() }()
		proxy.ServeHTTP(w, r)
	}()
	if v := <-panics; v != nil {
		panic(v)
	}
}

func forwardsInVariable(w http.ResponseWriter, r *http.Request) {
	var wg sync.WaitGroup
	var perr any
	wg.Add(1)
	go func() { // ok: the panic is stored and re-panicked after Wait
		defer wg.Done()
		defer func() {
			if v := recover(); v != nil {
				perr = v
			}
		}()
		proxy.ServeHTTP(w, r)
	}()
	wg.Wait()
	if perr != nil {
		panic(perr)
	}
}

func forwardsInSelect(w http.ResponseWriter, r *http.Request) {
	panics := make(chan any, 1)
	done := make(chan struct{})
	go func() { // ok: re-panicked from the select
		defer close(done)
		defer func() {
			if v := recover(); v != nil {
				panics <- v
			}
		}()
		proxy.ServeHTTP(w, r)
	}()
	select {
	case v := <-panics:
		panic(v)
	case <-done:
	}
}

func notStreaming(w http.ResponseWriter, r *http.Request) {
	go hello(w, r) // ok: hello does not stream
}

func unrelated(w http.ResponseWriter, r *http.Request) {
	go log.Printf("request %s", r.URL) // ok: serves nothing
	go func() {                        // ok: serves nothing
		log.Print(r.Method)
	}()
	proxy.ServeHTTP(w, r) // ok: on the handler goroutine
}

func inline(w http.ResponseWriter, r *http.Request) {
	func() {
		proxy.ServeHTTP(w, r) // ok: a function literal called on the handler goroutine
	}()
}

func main() {
	go http.ListenAndServe(":8080", proxy) // ok: serves connections, each on its own handler goroutine
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	go proxy.ServeHTTP(rec, req) // ok: no server context, ReverseProxy logs instead of panicking
}

type cache struct{}

func (cache) ServeHTTP(key string) {}

func notAHandler(w http.ResponseWriter, r *http.Request) {
	var c cache
	go c.ServeHTTP(r.URL.Path) // ok: not http.Handler's ServeHTTP
}

type static struct{}

func (static) ServeHTTP(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "static") }

func staticField(w http.ResponseWriter, r *http.Request) {
	var h http.Handler = static{}
	go h.ServeHTTP(w, r) // ok: static does not stream
}

func buildsOnly(w http.ResponseWriter, r *http.Request) {
	go func() { // ok: builds a handler, serves nothing
		mux := http.NewServeMux()
		mux.Handle("/", proxy)
		_ = mux
	}()
}

func safeServe(w http.ResponseWriter, r *http.Request, panics chan<- any) {
	defer func() { panics <- recover() }()
	proxy.ServeHTTP(w, r)
}

func viaSafeServe(w http.ResponseWriter, r *http.Request) {
	panics := make(chan any, 1)
	go safeServe(w, r, panics) // ok: safeServe recovers itself
	if v := <-panics; v != nil {
		panic(v)
	}
}

func nestedGoroutine(w http.ResponseWriter, r *http.Request) {
	go func() { // ok: this goroutine only starts another, reported on its own
		go hello(w, r)
	}()
}

func waitGroupForward(w http.ResponseWriter, r *http.Request) {
	var wg sync.WaitGroup
	panics := make(chan any, 1)
	wg.Go(func() { // ok: sent back and re-panicked
		defer func() { panics <- recover() }()
		proxy.ServeHTTP(w, r)
	})
	wg.Wait()
	if v := <-panics; v != nil {
		panic(v)
	}
}

func noRequest() {
	var wg sync.WaitGroup
	wg.Go(func() { // ok: not on a request path
		proxy.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	})
	wg.Wait()
}

var _ = asyncFunc(hello) // ok: hello does not stream
