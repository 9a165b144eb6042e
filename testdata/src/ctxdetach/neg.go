package ctxdetach

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
)

func hello(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "hello")
}

func plain(w http.ResponseWriter, r *http.Request) {
	// ok: the request keeps its context
	proxy.ServeHTTP(w, r)
}

func keepValues(w http.ResponseWriter, r *http.Request) {
	// ok: WithoutCancel keeps the server's values, so aborts stay visible
	proxy.ServeHTTP(w, r.WithContext(context.WithoutCancel(r.Context())))
}

func keepValuesDerived(w http.ResponseWriter, r *http.Request) {
	// ok: derived from a context that keeps the values
	ctx := context.WithValue(context.WithoutCancel(r.Context()), key{}, 1)
	proxy.ServeHTTP(w, r.WithContext(ctx))
}

func liveTimeout(w http.ResponseWriter, r *http.Request) {
	// ok: derived from the request's own context
	ctx, cancel := context.WithTimeout(r.Context(), 0)
	defer cancel()
	proxy.ServeHTTP(w, r.WithContext(ctx))
}

func outgoing(w http.ResponseWriter, r *http.Request) {
	// ok: a detached context for an outgoing client call is not served
	req, _ := http.NewRequestWithContext(context.Background(), "GET", "http://example.com", nil)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	proxy.ServeHTTP(w, r)
}

func audit(ctx context.Context, path string) {}

func afterResponse(w http.ResponseWriter, r *http.Request) {
	proxy.ServeHTTP(w, r)
	// ok: work after the response may outlive the request
	go audit(context.Background(), r.URL.Path)
}

func cloneForClient(w http.ResponseWriter, r *http.Request) {
	// ok: the detached clone goes to a client, not to a handler
	out := r.Clone(context.Background())
	out.RequestURI = ""
	if resp, err := http.DefaultClient.Do(out); err == nil {
		resp.Body.Close()
	}
}

func notStreaming(w http.ResponseWriter, r *http.Request) {
	// ok: hello writes once; a detached context costs nothing visible there
	hello(w, r.WithContext(context.Background()))
}

// plainMW is called only with handlers that do not stream.
func plainMW(next http.Handler) http.Handler { // want plainMW:"detaches arg0 with context.Background\\(\\)"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ok: every caller wraps a handler that does not stream
		next.ServeHTTP(w, r.WithContext(context.Background()))
	})
}

var plainWrapped = plainMW(http.HandlerFunc(hello))

func testShape() {
	// ok: a new request served to a recorder is what tests do
	rec := httptest.NewRecorder()
	req, _ := http.NewRequest("GET", "/", nil)
	proxy.ServeHTTP(rec, req)
}

func fromParam(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	// ok: ctx comes from the caller: unknown
	proxy.ServeHTTP(w, r.WithContext(ctx))
}

func laterReassign(w http.ResponseWriter, r *http.Request) {
	// ok: served before the context is replaced
	proxy.ServeHTTP(w, r)
	r = r.WithContext(context.Background())
	go audit(r.Context(), r.URL.Path)
}

func upload(w http.ResponseWriter, r *http.Request) {
	f, _ := os.Create("upload.bin")
	defer f.Close()
	io.Copy(f, r.Body)
}

func uploadDetached(w http.ResponseWriter, r *http.Request) {
	// ok: an upload only reads; its body read ends with the connection
	upload(w, r.WithContext(context.Background()))
}

// maybe returns a live context on some paths: not a detaching function.
func maybe(r *http.Request) context.Context {
	if r.Method == http.MethodGet {
		return r.Context()
	}
	return context.Background()
}

func viaMaybe(w http.ResponseWriter, r *http.Request) {
	// ok: maybe does not always detach
	proxy.ServeHTTP(w, r.WithContext(maybe(r)))
}

func logRequest(r *http.Request) {}

func notServed(w http.ResponseWriter, r *http.Request) {
	// ok: the detached request is not served to a handler
	logRequest(r.WithContext(context.Background()))
	proxy.ServeHTTP(w, r)
}

type holder struct{ ctx context.Context }

func (h *holder) serve(w http.ResponseWriter, r *http.Request) {
	// ok: a field may hold any context
	proxy.ServeHTTP(w, r.WithContext(h.ctx))
}

// unusedMW is never called here: nothing says what it wraps.
func unusedMW(next http.Handler) http.Handler { // want unusedMW:"detaches arg0 with context.TODO\\(\\)"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ok: no caller in this package passes a stream
		next.ServeHTTP(w, r.WithContext(context.TODO()))
	})
}

func testRecorder() {
	// ok: a test serving a recorder has no client connection to mislead
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	proxy.ServeHTTP(rec, r.WithContext(context.Background()))
}
