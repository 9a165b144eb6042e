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
// any function whose parameters reach the ResponseWriter (handlers,
// ServeHTTP methods, gin's func(*gin.Context), echo's
// func(echo.Context) error, helpers that take the writer), the closures
// in them (including those returned by middleware) and the functions they
// call; a function that takes only a *http.Request may be a client's.
//
// A recover swallows an abort only when the code it protects can raise
// one. That is computed bottom-up, across packages as a fact: code may
// abort when it serves a ReverseProxy, calls ServeHTTP, calls a function
// value that handles a request (next(w, r), c.Next() running the rest of
// a gin chain), or panics with http.ErrAbortHandler. A recover that
// guards reflection, a probe callback that sees neither the response nor
// the request, a JSON encoder or a header write swallows nothing and is
// not reported, and neither are callers of such library functions.
//
// A recover handles the abort when the value is re-panicked under a
// condition that holds for http.ErrAbortHandler: a comparison with ==,
// errors.Is, a predicate that tests either (isAbort(v)), a type switch
// case that matches errors, or no condition at all (every recovered value
// is re-panicked), also through a boolean set on such a path (if v != nil
// { repanic = true }). Conditions around the recover itself do not count
// (when they fail nothing is recovered), and neither does a return that an
// abort may take before the re-panic. Calling a function that re-panics
// its argument that way counts as well, and so does a function that
// panics with http.ErrAbortHandler itself (a writer's finalizer that
// aborts once the headers are out, 500 before), and handing the value to
// the enclosing function, in a variable or over a channel, when that
// function panics with it.
//
// Facts carry the finding across packages: deferring a recovery function
// declared in another package, calling a function from another package
// that guards its body with such a recover (or guards a callback that can
// abort), wrapping a ReverseProxy in recovery middleware from a
// dependency (gorilla's handlers.RecoveryHandler()), and installing such
// middleware on a router that routes to a ReverseProxy (r.Use(mw),
// r.Use(gin.Recovery()), gin.Default(), negroni.New(negroni.NewRecovery()),
// a recovery kept in a variable and configured first, a builder of the
// program that installs it on the router it returns, whose callers add
// the proxy routes) are reported where the code that can change is: the
// defer, the call, the wrapping, the builder's call. Only a ReverseProxy panics with http.ErrAbortHandler
// mid-stream, so recovery in front of a Flush loop is not reported.
//
// Recovery middleware is judged in one of two worlds. A library's
// exported middleware (exported, in a package other modules can import:
// not main, not under internal/) wraps whatever its users pass, proxies
// included, so its recover is reported where it is, whatever the
// library's own uses: func Recover(next http.Handler) http.Handler, a
// factory of such middleware, a framework's handler that recovers around
// the rest of its chain (gin's func(*gin.Context) calling c.Next()), a
// wrapper type's ServeHTTP. A program's own middleware (in package main,
// under internal/, or unexported) is closed world: every use is in view.
// It is reported at its recover unless the program cannot reach
// httputil.ReverseProxy and every use of the middleware in its package is
// understood and puts it in front of handlers that reach no proxy: a
// recoverer in front of JSON handlers swallows nothing. Middleware with
// no use in its package is also reported where other packages wrap a
// proxy in it. A program's own recovery function for handlers (deferred
// as defer handlePanic(ctx, w)) is reported only when a handler that may
// abort defers it. A program's server wrapper that recovers around a
// handler field set only from its exported constructor's parameter
// (NewServer(h) stores h; a method's closure calls s.handlerFunc(w, r))
// is not reported: what the importing packages pass is not in view.
//
// A router that defers its recover only when a field of its receiver is
// set (httptreemux's if t.PanicHandler != nil { defer … }) guards only in
// a package that sets that field; calling its ServeHTTP elsewhere
// recovers nothing.
//
// Not reported: a recover that ends the process (os.Exit, log.Fatal),
// recovers in goroutines (net/http never sees their
// panics; see proxygoroutine), in code that does not serve requests, in
// handlers that hijack the connection (websocket upgrades: net/http
// writes no response after Hijack, so nothing can look complete), in test
// files (a test's recover captures a panic to fail the test), a recover
// called by a function that is not itself deferred (it returns nil and
// recovers nothing), and defer recover() (likewise). Recovery that
// re-panics http.ErrAbortHandler, as chi's and echo's do, and servers
// that answer the abort themselves (x/net/http2, h2c) are not reported.
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
//
// Recovery middleware of a dependency cannot be changed where it is
// installed, so the fix replaces it, when its type says how to write
// middleware of that chain (a function of one parameter with a method
// that runs the rest of the chain and one that answers with a status, as
// gin's func(*gin.Context) has): r.Use(gin.Recovery()) gets a literal that
// recovers, re-panics the abort, logs other panics with their stack and
// answers 500; r := gin.Default() becomes r := gin.New() followed by
// r.Use(gin.Logger(), that literal). The builder's fact says which
// function builds the same router without recovery and which other
// middleware it installs, read from its code. (gin's own CustomRecovery
// cannot be used: it drops the abort before calling the function it is
// given.)
//
// What the check cannot see: facts flow only along imports, so a handler
// that one package stores in a field of a type another package declares
// (a balancer kept in a shared registry of tunnels) and a third package
// serves from there is judged by what the serving package sees, which is
// a handler of unknown origin. The proxy behind it is found when it
// reaches the serving package through what that package can follow: a
// constructor's result, a parameter at a call it sees, a field of its
// own types.
package abortrecover
