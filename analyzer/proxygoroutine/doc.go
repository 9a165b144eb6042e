// Package proxygoroutine defines an Analyzer that reports streaming
// handlers served from a new goroutine, where an abort panic crashes the
// process.
//
// # Analyzer proxygoroutine
//
// proxygoroutine: report a ReverseProxy or streaming handler served from a new goroutine without handing its panics back
//
// httputil.ReverseProxy aborts a response whose copy fails by panicking
// with http.ErrAbortHandler, and streaming handlers abort the same way.
// net/http recovers that panic, without a log line, only on the goroutine
// that runs the handler. Served from a goroutine of its own, the same
// panic is recovered by nobody and crashes the whole process, taking
// every other connection with it:
//
//	go func() {
//		defer wg.Done()
//		proxy.ServeHTTP(w, r) // a broken upstream copy kills the server
//	}()
//	wg.Wait()
//
// The check follows what a goroutine serves through ServeHTTP calls,
// handler functions, function literals and the functions they call (in other packages
// through facts), and asks streamflow whether it streams: a ReverseProxy
// by type or construction, or any streaming handler. Goroutines started
// with go, sync.WaitGroup.Go and time.AfterFunc are covered, on request
// paths only (functions that take the ResponseWriter, and closures in them):
// elsewhere the request has no server context and ReverseProxy logs
// instead of panicking.
//
// Middleware that serves its handler argument on such a goroutine cannot
// know whether that handler streams; the check records it (as a fact, for
// other packages) and reports the call that wraps a stream in it.
//
// A library (a package other modules can import: not main, not under
// internal/) is judged open-world: a goroutine that serves a handler its
// users hand in (a parameter of its exported API, an exported handler
// field, or a field set from such a parameter, as NewCache(upstream)
// keeping upstream) is reported in the library itself, since whatever
// they pass may be a ReverseProxy. A program's own middleware is judged
// by the handlers it is given, every one of which is in view.
//
// A goroutine is fine when it recovers the panic and hands the value back
// to the handler goroutine, which re-panics it after waiting (over a
// channel or a captured variable). A goroutine that recovers and drops
// the value keeps the process alive but loses the abort: the client
// receives a truncated response that looks complete; it is reported too.
//
// The suggested fix, offered only when the handler waits for the
// goroutine right after starting it (sync.WaitGroup.Wait or a channel
// receive) and the goroutine does not signal by a send that would then
// block, serves the stream on the handler goroutine instead: the go
// keyword goes, or wg.Go(f) becomes f(). Elsewhere the message says what
// to do.
package proxygoroutine
