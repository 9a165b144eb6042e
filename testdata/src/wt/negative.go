package wt

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"runtime"
	"strings"
	"time"

	"wtlib"
)

const noTimeout = 0

func apiHandler(w http.ResponseWriter, r *http.Request) {
	var req map[string]any
	json.NewDecoder(r.Body).Decode(&req)
	json.NewEncoder(w).Encode(req)
}

func negatives() []*http.Server {
	proxy := httputil.NewSingleHostReverseProxy(target)
	return []*http.Server{
		// ok: zero means no deadline.
		{Handler: proxy, WriteTimeout: 0, ReadTimeout: 0},
		// ok: a constant zero is still zero.
		{Handler: proxy, WriteTimeout: noTimeout},
		// ok: short JSON handlers may have absolute timeouts.
		{Handler: http.HandlerFunc(apiHandler), ReadTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second},
		// ok: only ReadHeaderTimeout and IdleTimeout, the safe pair.
		{Handler: proxy, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute},
		// ok: TimeoutHandler buffers the response; the timeouthandler check reports it.
		{Handler: http.TimeoutHandler(proxy, time.Minute, "timeout"), WriteTimeout: 2 * time.Minute},
		// ok: static files are served whole by net/http; not treated as streams.
		{Handler: http.FileServer(http.Dir("/srv/www")), WriteTimeout: time.Minute},
		// ok: a cross-package constructor of short handlers.
		{Handler: wtlib.NewAPI(), WriteTimeout: time.Minute},
	}
}

// ok: client and transport timeouts are not server deadlines.
func clientTimeouts() {
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = &http.Transport{ResponseHeaderTimeout: 10 * time.Second, IdleConnTimeout: time.Minute}
	client := &http.Client{Timeout: 10 * time.Second}
	_ = client
	http.ListenAndServe(":8080", proxy)
}

// ok: the proxy is built but never served; the server serves the API.
func neverServed() *http.Server {
	proxy := httputil.NewSingleHostReverseProxy(target)
	_ = proxy
	return &http.Server{Handler: http.HandlerFunc(apiHandler), WriteTimeout: time.Minute}
}

// ok: two servers; only the one without streams has a timeout.
func twoServers() (*http.Server, *http.Server) {
	stream := &http.Server{Handler: httputil.NewSingleHostReverseProxy(target), ReadHeaderTimeout: time.Second}
	api := &http.Server{Handler: http.HandlerFunc(apiHandler), WriteTimeout: time.Minute}
	return stream, api
}

// ok: the handler clears its write deadline and checks the error.
func clearedDeadline() *http.Server {
	proxy := httputil.NewSingleHostReverseProxy(target)
	h := func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).SetWriteDeadline(time.Time{}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		proxy.ServeHTTP(w, r)
	}
	return &http.Server{Handler: http.HandlerFunc(h), WriteTimeout: time.Minute}
}

// ok: a rolling deadline, moved forward on every event.
func rollingDeadline(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	for i := 0; ; i++ {
		if err := rc.SetWriteDeadline(time.Now().Add(30 * time.Second)); err != nil {
			return
		}
		io.WriteString(w, "data: tick\n\n")
		rc.Flush()
	}
}

func rollingServer() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(rollingDeadline), WriteTimeout: time.Minute}
}

// ok: middleware that clears the deadline before delegating.
func noDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).SetWriteDeadline(time.Time{}); err != nil {
			return
		}
		next.ServeHTTP(w, r)
	})
}

func clearingMiddleware() *http.Server {
	return &http.Server{Handler: noDeadline(httputil.NewSingleHostReverseProxy(target)), WriteTimeout: time.Minute}
}

// ok: a hijacked connection has no deadlines.
func tunnel(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	upstream, err := net.Dial("tcp", "127.0.0.1:2375")
	if err != nil {
		return
	}
	go io.Copy(upstream, conn)
	io.Copy(conn, upstream)
}

func tunnelServer() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(tunnel), WriteTimeout: time.Minute}
}

// ok: one Flush at the end is not a stream.
func flushOnce(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "hello")
	w.(http.Flusher).Flush()
}

// ok: bounded in-memory readers.
func inMemory(w http.ResponseWriter, r *http.Request) {
	io.Copy(w, strings.NewReader("short answer"))
	io.CopyN(w, r.Body, 512)
}

func boundedServers() []*http.Server {
	return []*http.Server{
		{Handler: http.HandlerFunc(flushOnce), WriteTimeout: time.Minute},
		{Handler: http.HandlerFunc(inMemory), WriteTimeout: time.Minute},
	}
}

// ok: an SSE handler streams its response, not its request: ReadTimeout stays.
func sseReadOnly() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(events), ReadTimeout: 5 * time.Second, IdleTimeout: time.Minute}
}

// ok: the upload is bounded by MaxBytesReader.
func boundedUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	io.Copy(io.Discard, r.Body)
}

func boundedUploadServer() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(boundedUpload), ReadTimeout: time.Minute}
}

// ok: reading a small JSON body is not an upload.
func readAll(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.Write(b)
}

func readAllServer() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(readAll), ReadTimeout: time.Minute}
}

// ok: a mux of short handlers.
func shortMux() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/a", apiHandler)
	mux.Handle("/b", http.HandlerFunc(apiHandler))
	return &http.Server{Handler: mux, WriteTimeout: time.Minute}
}

// ok: the wrapper type around a short handler; another instance of it
// wraps a proxy, on a server without timeouts.
func wrapperInstances() (*http.Server, *http.Server) {
	api := &http.Server{Handler: &metrics{next: http.HandlerFunc(apiHandler)}, WriteTimeout: time.Minute}
	stream := &http.Server{Handler: &metrics{next: httputil.NewSingleHostReverseProxy(target)}}
	return api, stream
}

// ok: middleware around a short handler.
func middlewareShort() *http.Server {
	return &http.Server{Handler: logging(http.HandlerFunc(apiHandler)), WriteTimeout: time.Minute}
}

// ok: the upload limit applies to the whole handler.
func maxBytesUpload() *http.Server {
	return &http.Server{Handler: http.MaxBytesHandler(http.HandlerFunc(upload), 1<<20), ReadTimeout: time.Minute}
}

// ok: an outgoing request of the handler's own, without the incoming body.
func lookup(w http.ResponseWriter, r *http.Request) {
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "http://127.0.0.1:9000/info", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var info map[string]any
	json.NewDecoder(resp.Body).Decode(&info)
	json.NewEncoder(w).Encode(info)
}

func lookupServer() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(lookup), ReadTimeout: time.Minute, WriteTimeout: time.Minute}
}

// ok: silenced on purpose, with a reason.
func silenced() *http.Server {
	//streamvet:ignore a baseline that must fail, kept to measure the failure
	return &http.Server{Handler: httputil.NewSingleHostReverseProxy(target), WriteTimeout: time.Second}
}

// ok: a body read into memory is one the handler expects to be small,
// as a template placeholder that buffers the request body does.
func buffered(w http.ResponseWriter, r *http.Request) {
	buf := new(bytes.Buffer)
	io.Copy(buf, r.Body)
	r.Body = io.NopCloser(buf)
	w.Write(buf.Bytes()[:min(buf.Len(), 16)])
}

func bufferedServer() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(buffered), ReadTimeout: time.Minute}
}

// ok: a Flush before a short computation and one more line ("running
// GC...", then "Done.") waits for nothing: the response stays short.
func gcNow(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte("running GC...\n"))
	w.(http.Flusher).Flush()
	runtime.GC()
	w.Write([]byte("Done.\n"))
}

func gcServer() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(gcNow), ReadHeaderTimeout: time.Second, WriteTimeout: 30 * time.Second}
}

// ok: the clear's error is ignored, but nothing between the server and
// the handler wraps the writer (a ServeMux, StripPrefix, HandlerFunc): on
// the server's own ResponseWriter it takes effect.
func uncheckedClearUnwrapped() *http.Server {
	proxy := httputil.NewSingleHostReverseProxy(target)
	rc := func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		rc.SetWriteDeadline(time.Time{})
		rc.SetReadDeadline(time.Time{})
		proxy.ServeHTTP(w, r)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", http.StripPrefix("/v1", http.HandlerFunc(rc)))
	return &http.Server{Handler: mux, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
}

// A test-server builder whose callers configure the server with option
// closures: a timeout one caller sets is not the builder's, so the other
// callers are not reported.
type testServer struct{ Config *http.Server }

func newTestServer(h http.Handler, opts ...func(*testServer)) *testServer {
	ts := &testServer{Config: &http.Server{Handler: h, ReadHeaderTimeout: time.Second}}
	for _, o := range opts {
		o(ts)
	}
	return ts
}

func testServers() []*testServer {
	return []*testServer{
		newTestServer(http.HandlerFunc(apiHandler), func(ts *testServer) { ts.Config.WriteTimeout = time.Second }),
		newTestServer(httputil.NewSingleHostReverseProxy(target)), // ok: this caller sets no timeout
	}
}
