// Package ctxdetach defines an Analyzer that reports requests whose
// context was replaced with context.Background() or context.TODO()
// before they are served to a streaming handler.
//
// # Analyzer ctxdetach
//
// ctxdetach: report a request served to a ReverseProxy or another streaming handler with its context replaced by context.Background or context.TODO
//
// Replacing a request's context with a fresh one is a common way to keep
// a proxied transfer alive, or to silence "context canceled" errors:
//
//	func(w http.ResponseWriter, r *http.Request) {
//		proxy.ServeHTTP(w, r.WithContext(context.Background()))
//	}
//
// The fresh context lacks the values net/http puts in the request's
// context. httputil.ReverseProxy looks for one of them
// (http.ServerContextKey) to decide what to do when the upstream breaks
// mid-body: with it, the proxy panics with http.ErrAbortHandler and the
// server aborts the response, so the client sees an error; without it,
// the proxy logs "suppressing panic for copyResponse error in test" and
// returns, and the server ends the response cleanly. The client receives
// a truncated body that looks complete.
//
// For a streaming handler that is not a proxy, the fresh context never
// ends: when the client goes away, a stream that waits on r.Context()
// runs on. (ReverseProxy itself falls back on
// CloseNotify when the context has no Done channel, so its upstream
// request is still canceled; a detached context with a deadline, such as
// context.WithTimeout(context.Background(), d), loses that too.)
//
// The check follows the context through local variables, derived
// contexts (context.WithValue, WithTimeout, ...), request copies
// (r.WithContext, r.Clone, r2.Context()) and functions in other
// packages that return a detached context, and reports when the request
// reaches ServeHTTP of a handler that streams (see streamflow). Inside a
// middleware whose wrapped handler is a parameter, it reports when some
// caller passes a streaming handler, at the Background call when the
// caller is in the same package, and at the call otherwise.
//
// Not reported: detached contexts used for outgoing client calls, for
// work that continues after the response, or served to handlers that do
// not stream; context.WithoutCancel(r.Context()), which keeps the
// server's values; and new requests built with http.NewRequest and served
// directly, which is what tests do with a recorder.
//
// For a ReverseProxy the suggested fix replaces the Background or TODO
// call with context.WithoutCancel(r.Context()): the request keeps its
// values, so a broken stream again reaches the client as an error, and
// it still outlives the client's cancellation as intended.
package ctxdetach
