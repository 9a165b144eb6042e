// Package timeouthandler defines an Analyzer that reports
// http.TimeoutHandler wrapped around a streaming handler.
//
// # Analyzer timeouthandler
//
// timeouthandler: report http.TimeoutHandler wrapped around a handler that streams
//
// http.TimeoutHandler runs its handler against a buffer and copies the
// buffer to the client only when the handler returns. Its ResponseWriter
// implements neither http.Flusher nor http.Hijacker, so Flush and Hijack
// fail (http.ResponseController returns http.ErrNotSupported). When the
// deadline passes first, the buffered response is thrown away and the
// client gets a 503 with the timeout message instead:
//
//	mux.Handle("/v1/", http.TimeoutHandler(proxy, 30*time.Second, "timeout"))
//
// Around a stream — a ReverseProxy, a Flush loop, an io.Copy of a
// download — this means the client receives nothing until the stream
// ends, and a stream that lasts longer than the deadline is dropped for a
// 503 however steadily it was making progress.
//
// The check evaluates the wrapped handler with streamflow, through
// variables, muxes, middleware and other packages. When the wrapped
// handler is a parameter of the enclosing function (a wrapper such as
// func withTimeout(h http.Handler) http.Handler), it reports each call of
// the wrapper that passes a streaming handler, in this package or, through
// a fact, in others. Handlers that do not stream are not reported:
// TimeoutHandler is a fine bound for them.
//
// The suggested fix serves the streaming handler without the wrapper:
// http.TimeoutHandler(h, d, msg), or the wrapper's call, becomes h. Other
// routes keep their wrapper. Imports and local variables used only by
// the removed arguments are deleted too. Where the stream needs a bound,
// bound it by inactivity rather than by total duration: a per-request
// deadline set with http.ResponseController and moved forward on
// progress, as streamsafe.Handler does in
// github.com/streamvet/streamvet/runtime/streamsafe (not yet on the module
// proxy: require it from a clone with a replace directive, as the README's
// Install section shows).
package timeouthandler
