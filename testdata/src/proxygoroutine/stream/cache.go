package stream

import (
	"io"
	"net/http"
)

// Cache answers from its store and pipes misses from the upstream
// handler its users give it, on a goroutine of its own.
type Cache struct {
	upstream http.Handler
	Fallback http.Handler
	plain    http.Handler
}

func NewCache(upstream http.Handler) *Cache {
	return &Cache{upstream: upstream, plain: http.NotFoundHandler()}
}

func (c *Cache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	pr, pw := io.Pipe()
	go func() { // want `the goroutine started by a go statement serves c.upstream, a handler users of this package pass`
		c.upstream.ServeHTTP(&pipeWriter{w, pw}, r)
		pw.Close()
	}()
	io.Copy(io.Discard, pr)
}

// Miss serves the exported fallback on a goroutine.
func (c *Cache) Miss(w http.ResponseWriter, r *http.Request) {
	done := make(chan struct{})
	go func() { // want `serves c.Fallback, a handler users of this package pass`
		defer close(done)
		c.Fallback.ServeHTTP(w, r)
	}()
	<-done
}

// ok: the handler on the goroutine is the package's own.
func (c *Cache) NotFound(w http.ResponseWriter, r *http.Request) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.plain.ServeHTTP(w, r)
	}()
	<-done
}

// ok: the goroutine recovers and hands the panic back to the handler
// goroutine, which re-panics it.
func (c *Cache) Safe(w http.ResponseWriter, r *http.Request) {
	panics := make(chan any, 1)
	go func() {
		defer func() { panics <- recover() }()
		c.upstream.ServeHTTP(w, r)
	}()
	if p := <-panics; p != nil {
		panic(p)
	}
}

type pipeWriter struct {
	http.ResponseWriter
	w io.Writer
}

func (p *pipeWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
