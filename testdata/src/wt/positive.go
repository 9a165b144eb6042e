package wt

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"

	"wtlib"
)

var target = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}

type Config struct {
	WriteTimeout int
	ReadTimeout  time.Duration
}

// A pointer literal with a proxy built as a literal with Rewrite.
func rewriteLiteral() *http.Server {
	p := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}
	return &http.Server{
		Handler:      p,
		WriteTimeout: 30 * time.Second, // want `WriteTimeout \(30s\) cuts streaming responses of p \(httputil.ReverseProxy, positive.go:24\)`
	}
}

// The timeout is set after construction.
func assignedTimeout() {
	p := httputil.NewSingleHostReverseProxy(target)
	srv := &http.Server{Handler: p, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute}
	srv.WriteTimeout = 30 * time.Second // want `WriteTimeout \(30s\) cuts streaming responses of p`
	srv.ListenAndServe()
}

// The handler is set after construction.
func assignedHandler() {
	srv := &http.Server{ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of proxy`
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv.Handler = proxy
	srv.ListenAndServe()
}

// A zero server configured field by field.
func zeroServer() {
	var srv http.Server
	srv.Handler = httputil.NewSingleHostReverseProxy(target)
	srv.ReadHeaderTimeout = time.Second
	srv.IdleTimeout = time.Minute
	srv.WriteTimeout = 5 * time.Second // want `WriteTimeout \(5s\) cuts streaming responses`
	srv.ListenAndServe()
}

// Timeouts usually come from configuration: a non-constant timeout counts.
func fromConfig(cfg Config) *http.Server {
	return &http.Server{
		Handler:           httputil.NewSingleHostReverseProxy(target),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       time.Minute,
		ReadTimeout:       cfg.ReadTimeout,                               // want `ReadTimeout \(cfg.ReadTimeout\) cuts streamed request bodies`
		WriteTimeout:      time.Duration(cfg.WriteTimeout) * time.Second, // want `WriteTimeout \(time.Duration\(cfg.WriteTimeout\) \* time.Second\) cuts streaming responses`
	}
}

// From the environment.
func fromEnv() *http.Server {
	d, _ := time.ParseDuration(os.Getenv("WRITE_TIMEOUT"))
	return &http.Server{
		Handler:           httputil.NewSingleHostReverseProxy(target),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       time.Minute,
		WriteTimeout:      d, // want `WriteTimeout \(d\) cuts streaming responses`
	}
}

// A closure converted with http.HandlerFunc.
func closure() *http.Server {
	proxy := httputil.NewSingleHostReverseProxy(target)
	return &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			proxy.ServeHTTP(w, r)
		}),
		WriteTimeout: time.Minute, // want `WriteTimeout \(1m0s\) cuts streaming responses of the handler literal \(httputil.ReverseProxy, positive.go:81\)`
	}
}

// A closure kept in a variable.
func closureVar() *http.Server {
	proxy := httputil.NewSingleHostReverseProxy(target)
	h := func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Authorization")
		proxy.ServeHTTP(w, r)
	}
	return &http.Server{Handler: http.HandlerFunc(h), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of http.HandlerFunc\(h\)`
}

// A ServeMux route.
func muxRoute() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/_ping", func(w http.ResponseWriter, r *http.Request) {})
	mux.Handle("/v1.41/", httputil.NewSingleHostReverseProxy(target))
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of mux \(httputil.ReverseProxy`
}

// Server-sent events: a Flush loop registered with HandleFunc.
func events(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	for i := 0; ; i++ {
		fmt.Fprintf(w, "data: %d\n\n", i)
		w.(http.Flusher).Flush()
		time.Sleep(time.Second)
	}
}

func sse() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/events", events)
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: 10 * time.Second} // want `WriteTimeout \(10s\) cuts streaming responses of mux \(a Flush loop, positive.go:\d+\): .*truncated response`
}

// http.StripPrefix passes the stream through.
func stripPrefix() *http.Server {
	return &http.Server{Handler: http.StripPrefix("/docker", httputil.NewSingleHostReverseProxy(target)), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of http.StripPrefix`
}

func logging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		fmt.Println(r.Method, r.URL.Path, time.Since(start))
	})
}

func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
	})
}

// Middleware of the shape func(http.Handler) http.Handler.
func middleware() *http.Server {
	return &http.Server{Handler: logging(httputil.NewSingleHostReverseProxy(target)), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of logging`
}

// A middleware chain around a mux.
func chain() *http.Server {
	mux := http.NewServeMux()
	mux.Handle("/", httputil.NewSingleHostReverseProxy(target))
	var h http.Handler = mux
	h = recoverer(h)
	h = logging(h)
	return &http.Server{Handler: h, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of h`
}

type metrics struct{ next http.Handler }

func (m *metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.next.ServeHTTP(w, r) }

// A wrapper type that delegates to a field.
func wrapperType() *http.Server {
	return &http.Server{Handler: &metrics{next: httputil.NewSingleHostReverseProxy(target)}, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of &metrics`
}

type ticker struct{}

func (ticker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	for range time.Tick(time.Second) {
		io.WriteString(w, "tick\n")
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// A type whose ServeHTTP streams, flushing with a ResponseController.
func streamingType() *http.Server {
	return &http.Server{Handler: ticker{}, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of ticker\{\} \(a Flush loop`
}

// A download relayed with io.Copy.
func download() *http.Server {
	h := func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get("http://127.0.0.1:9000/blob")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	}
	return &http.Server{Handler: http.HandlerFunc(h), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of http.HandlerFunc\(h\) \(io.Copy of resp.Body into the ResponseWriter`
}

// A file copied into the response.
func serveFile(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open("/srv/images/disk.img")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	io.CopyBuffer(w, f, make([]byte, 1<<20))
}

func fileCopy() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(serveFile), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of http.HandlerFunc\(serveFile\) \(io.CopyBuffer of f`
}

// One Flush, then more writes: the response outlives the first write.
func progress(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusAccepted)
	w.(http.Flusher).Flush()
	time.Sleep(time.Minute)
	w.Write([]byte("done\n"))
}

func flushThenWrite() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(progress), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of http.HandlerFunc\(progress\) \(a Flush before further writes`
}

// An upload copied from the request body: ReadTimeout cuts it.
func upload(w http.ResponseWriter, r *http.Request) {
	f, _ := os.CreateTemp("", "upload")
	defer f.Close()
	io.Copy(f, r.Body)
}

func uploadServer() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(upload), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		ReadTimeout:  time.Minute, // want `ReadTimeout \(1m0s\) cuts streamed request bodies of http.HandlerFunc\(upload\) \(io.Copy from the request body`
		WriteTimeout: time.Minute} // ok: the upload handler writes a short answer
}

// A multipart form upload.
func multipartServer() *http.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	return &http.Server{Handler: h, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		ReadTimeout: time.Minute} // want `ReadTimeout \(1m0s\) cuts streamed request bodies of h \(a multipart upload \(ParseMultipartForm\)`
}

// The request body forwarded upstream by hand.
func forwardBody(w http.ResponseWriter, r *http.Request) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, "http://127.0.0.1:9000/push", r.Body)
	if err != nil {
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
	}
}

func forwardServer() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(forwardBody), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		ReadTimeout: time.Minute} // want `ReadTimeout \(1m0s\) cuts streamed request bodies of http.HandlerFunc\(forwardBody\) \(the request body forwarded upstream`
}

// The default mux, filled by http.Handle.
func defaultMux() {
	http.Handle("/v1.41/", httputil.NewSingleHostReverseProxy(target))
	srv := &http.Server{Addr: ":2376", ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of http.DefaultServeMux`
	srv.ListenAndServe()
}

// A mux and a server kept in struct fields.
type App struct {
	mux *http.ServeMux
	srv *http.Server
}

func NewApp() *App {
	a := &App{mux: http.NewServeMux()}
	a.routes()
	a.srv = &http.Server{Handler: a.mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of a.mux`
	return a
}

func (a *App) routes() {
	a.mux.Handle("/containers/", httputil.NewSingleHostReverseProxy(target))
}

// A type that delegates to a mux field is itself a streaming handler.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

func appServer(a *App) *http.Server {
	return &http.Server{Handler: a, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of a `
}

// Constructors, types, middleware and variables from another package.
func crossPackage() []*http.Server {
	return []*http.Server{
		{Handler: wtlib.NewRouter(), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
			WriteTimeout: time.Minute}, // want `WriteTimeout \(1m0s\) cuts streaming responses of wtlib.NewRouter\(\) \(httputil.ReverseProxy, wtlib.go:\d+\)`
		{Handler: &wtlib.Gateway{}, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
			WriteTimeout: time.Minute}, // want `WriteTimeout \(1m0s\) cuts streaming responses of &wtlib.Gateway\{\}`
		{Handler: wtlib.Logging(httputil.NewSingleHostReverseProxy(target)), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
			WriteTimeout: time.Minute}, // want `WriteTimeout \(1m0s\) cuts streaming responses of wtlib.Logging`
		{Handler: wtlib.DefaultProxy, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
			WriteTimeout: time.Minute}, // want `WriteTimeout \(1m0s\) cuts streaming responses of wtlib.DefaultProxy`
		{Handler: &wtlib.Recorder{Next: http.HandlerFunc(events)}, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
			WriteTimeout: time.Minute}, // want `WriteTimeout \(1m0s\) cuts streaming responses of &wtlib.Recorder`
	}
}

type service struct{ proxy *httputil.ReverseProxy }

func (s *service) handleStream(w http.ResponseWriter, r *http.Request) { s.proxy.ServeHTTP(w, r) }

// A method value used as a handler.
func methodValue() *http.Server {
	s := &service{proxy: httputil.NewSingleHostReverseProxy(target)}
	return &http.Server{Handler: http.HandlerFunc(s.handleStream), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of http.HandlerFunc\(s.handleStream\)`
}

// Clearing the deadline without checking the error does not count behind
// a wrapper: through one without Unwrap it fails with http.ErrNotSupported.
func uncheckedClear() *http.Server {
	proxy := httputil.NewSingleHostReverseProxy(target)
	h := func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
		proxy.ServeHTTP(w, r)
	}
	return &http.Server{Handler: countBytes(http.HandlerFunc(h)), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts .*the deadline cleared at positive.go:\d+ does not count: its error is ignored`
}

// countingWriter wraps a ResponseWriter and has no Unwrap method.
type countingWriter struct {
	http.ResponseWriter
	n int
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	n, err := cw.ResponseWriter.Write(p)
	cw.n += n
	return n, err
}

func countBytes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&countingWriter{ResponseWriter: w}, r)
	})
}

// A router type of its own, with a registration method.
type Router struct{ routes map[string]http.Handler }

func (rt *Router) Handle(pattern string, h http.Handler) { rt.routes[pattern] = h }

func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := rt.routes[r.URL.Path]; ok {
		h.ServeHTTP(w, r)
	}
}

func customRouter() *http.Server {
	rt := &Router{routes: map[string]http.Handler{}}
	rt.Handle("/push", httputil.NewSingleHostReverseProxy(target))
	return &http.Server{Handler: rt, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of rt`
}

// A server built in a method from its configuration.
type Proxy struct {
	Upstream     *url.URL
	WriteTimeout time.Duration
}

func (p *Proxy) handler() http.Handler {
	return httputil.NewSingleHostReverseProxy(p.Upstream)
}

func (p *Proxy) Server() *http.Server {
	return &http.Server{Handler: p.handler(), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: p.WriteTimeout} // want `WriteTimeout \(p.WriteTimeout\) cuts streaming responses of p.handler\(\)`
}

// MaxBytesHandler bounds the request body, not the response.
func maxBytes() *http.Server {
	return &http.Server{Handler: http.MaxBytesHandler(httputil.NewSingleHostReverseProxy(target), 1<<20), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		ReadTimeout:  time.Minute, // ok: the body is bounded
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of http.MaxBytesHandler`
}

// A helper that takes the ResponseWriter does the streaming.
type relay struct{ client *http.Client }

func (rl *relay) forward(w http.ResponseWriter, r *http.Request) error {
	out := r.Clone(r.Context())
	out.URL.Scheme, out.URL.Host, out.RequestURI = "http", "127.0.0.1:2375", ""
	resp, err := rl.client.Do(out)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") == "application/vnd.docker.raw-stream" {
		// Cleared for raw streams only: JSON progress streams are still cut.
		if err := http.NewResponseController(w).SetWriteDeadline(time.Time{}); err != nil {
			return err
		}
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

func helperServer(rl *relay) *http.Server {
	return &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := rl.forward(w, r); err != nil {
				fmt.Println(err)
			}
		}),
		ReadHeaderTimeout: time.Second,
		IdleTimeout:       time.Minute,
		ReadTimeout:       2 * time.Hour, // want `ReadTimeout \(2h0m0s\) cuts streamed request bodies of the handler literal \(the request body forwarded upstream, positive.go:\d+\): uploads fail with an i/o timeout; use ReadHeaderTimeout and bound uploads by inactivity$`
		WriteTimeout:      2 * time.Hour, // want `WriteTimeout \(2h0m0s\) cuts streaming responses of the handler literal \(io.Copy of resp.Body into the ResponseWriter, positive.go:\d+\).*\(the deadline cleared at positive.go:\d+ does not count: it runs on some paths only\)`
	}
}

// A directive without a reason silences nothing.
func silencedWithoutReason() *http.Server {
	//streamvet:ignore
	return &http.Server{Handler: httputil.NewSingleHostReverseProxy(target), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Second} // want `WriteTimeout \(1s\) cuts`
}
