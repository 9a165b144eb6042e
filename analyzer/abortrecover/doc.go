// Package abortrecover defines an Analyzer that reports recovers on a
// request path that swallow http.ErrAbortHandler.
//
// # Analyzer abortrecover
//
// abortrecover: report a recover on an HTTP request path that does not re-panic http.ErrAbortHandler
//
// A handler aborts its response by panicking with http.ErrAbortHandler:
// net/http recovers that panic without logging it and breaks the
// connection, so the client sees an error instead of a short body.
// httputil.ReverseProxy does this whenever copying the upstream response
// fails, for example when a write deadline passes mid-stream.
//
// A deferred recover between the panic and net/http that drops the value
// turns the abort into a normal return: net/http then completes the
// response, and the client receives a truncated response that looks
// complete. Logging the value does not help the client, and neither does
// comparing it with http.ErrAbortHandler and then calling something other
// than panic:
//
//	defer func() {
//		if err := recover(); err != nil {
//			log.Printf("panic: %v", err) // swallows the abort
//			http.Error(w, "internal error", http.StatusInternalServerError)
//		}
//	}()
//
// Code that drops the abort on purpose around a proxy, to keep the log
// quiet, is reported too: the log is quiet because the client was lied to.
//
// The check looks at recovers in deferred functions on a request path:
// handler functions, ServeHTTP methods, handler closures (including those
// returned by middleware of the shape func(http.Handler) http.Handler),
// functions that take the ResponseWriter, and the functions they call (a
// function that takes only a *http.Request may be a client's). A recover handles the abort when the value is
// re-panicked under a condition that holds for http.ErrAbortHandler: a
// comparison with ==, errors.Is, a type switch case that matches errors,
// or no condition at all (every recovered value is re-panicked), also
// through a boolean set on such a path (if v != nil { repanic = true }).
// Calling a function that re-panics its argument that way counts as well,
// and so does handing the value to the enclosing function, in a variable
// or over a channel, when that function panics with it.
//
// Facts carry the finding across packages: deferring a recovery function
// declared in another package, calling a function from another package
// that guards its body with such a recover, wrapping a streaming handler
// in recovery middleware from a dependency, and installing such
// middleware on a router that routes to a stream (r.Use(mw)) are
// reported where the code that can change is: the defer, the call, the
// wrapping.
//
// Not reported: recovers in goroutines (net/http never sees their
// panics; see proxygoroutine), in code that does not serve requests, a
// recover called by a function that is not itself deferred (it returns
// nil and recovers nothing), and defer recover() (likewise).
//
// The suggested fix re-panics the abort right after the recover, binding
// the recovered value first when the code did not:
//
//	if v := recover(); v != nil {
//		if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
//			panic(v)
//		}
//		...
//	}
//
// errors.Is also catches an abort that was wrapped on the way.
package abortrecover
