// Package recovery stands for the recovery middleware of a web framework:
// every piece of it drops http.ErrAbortHandler but Safe and RePanic.
package recovery

import (
	"errors"
	"log"
	"net/http"
)

// Recover is deferred by handlers: it logs the panic and answers 500.
func Recover(w http.ResponseWriter) { // want Recover:"swallows aborts: recoverer"
	if v := recover(); v != nil { // want `recover in Recover, a recovery function for handlers swallows http.ErrAbortHandler`
		log.Print(v)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// Guarded serves h and turns its panics into 500s.
func Guarded(w http.ResponseWriter, r *http.Request, h http.Handler) { // want Guarded:"swallows aborts: guard"
	defer func() {
		if v := recover(); v != nil { // want `recover in the function deferred by Guarded swallows`
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	h.ServeHTTP(w, r)
}

// Middleware recovers the panics of next. A library's exported middleware
// wraps whatever its users pass: reported here, and where a program wraps
// a proxy in it.
func Middleware(next http.Handler) http.Handler { // want Middleware:"swallows aborts: middleware"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil { // want `recover in the function deferred by the handler closure in Middleware swallows http.ErrAbortHandler`
				log.Print(v)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Handler returns a middleware that recovers the panics of its handler.
func Handler() func(http.Handler) http.Handler { // want Handler:"swallows aborts: middleware factory"
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if recover() != nil { // want `recover in the function deferred by the handler closure of the middleware returned by Handler swallows`
					w.WriteHeader(http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// Recovery is a handler type that recovers the panics of Next.
type Recovery struct{ Next http.Handler }

func (h *Recovery) ServeHTTP(w http.ResponseWriter, r *http.Request) { // want ServeHTTP:"swallows aborts: guard"
	defer func() {
		if v := recover(); v != nil { // want `recover in the function deferred by \(\*recovery.Recovery\).ServeHTTP swallows`
			log.Print(v)
		}
	}()
	h.Next.ServeHTTP(w, r)
}

// RePanic re-panics an abort and returns otherwise.
func RePanic(v any) { // want RePanic:"re-panics aborts of arg0"
	if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
		panic(v)
	}
}

// Safe recovers the panics of next but re-panics aborts.
func Safe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				RePanic(v) // ok: re-panics aborts
				log.Print(v)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// RecoveryOption configures RecoveryHandler.
type RecoveryOption func(*recoveryHandler)

type recoveryHandler struct {
	handler    http.Handler
	printStack bool
}

// PrintStack makes RecoveryHandler log the stack.
func PrintStack(on bool) RecoveryOption {
	return func(h *recoveryHandler) { h.printStack = on }
}

// RecoveryHandler returns middleware that answers 500 to a panic, in the
// shape of a popular toolkit's.
func RecoveryHandler(opts ...RecoveryOption) func(h http.Handler) http.Handler { // want RecoveryHandler:"swallows aborts: middleware factory"
	return func(h http.Handler) http.Handler {
		r := &recoveryHandler{handler: h}
		for _, option := range opts {
			option(r)
		}
		return r
	}
}

func (h recoveryHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) { // want ServeHTTP:"swallows aborts: guard"
	defer func() {
		if err := recover(); err != nil { // want `recover in the function deferred by \(recovery.recoveryHandler\).ServeHTTP swallows`
			w.WriteHeader(http.StatusInternalServerError)
			if h.printStack {
				log.Print(err)
			}
		}
	}()
	h.handler.ServeHTTP(w, req)
}

// Recoverer builds its handler in a local, in the shape of another
// toolkit's: fn := func(w, r) {...}; return http.HandlerFunc(fn).
func Recoverer(l *log.Logger) func(http.Handler) http.Handler { // want Recoverer:"swallows aborts: middleware factory"
	return func(h http.Handler) http.Handler {
		fn := func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if rvr := recover(); rvr != nil { // want `recover in the function deferred by the handler closure of the middleware returned by Recoverer swallows`
					l.Print(rvr)
					http.Error(w, "internal error", http.StatusInternalServerError)
				}
			}()
			h.ServeHTTP(w, r)
		}
		return http.HandlerFunc(fn)
	}
}

// Context is a web framework's request context: Next runs the rest of
// the chain of handlers.
type Context struct {
	W        http.ResponseWriter
	R        *http.Request
	handlers []HandlerFunc
	index    int
}

// HandlerFunc is the framework's handler and middleware.
type HandlerFunc func(*Context)

// Next runs the handlers after the current one.
func (c *Context) Next() { // want Next:"may abort"
	c.index++
	for c.index < len(c.handlers) {
		c.handlers[c.index](c)
		c.index++
	}
}

// ChainRecovery is the framework's recovery middleware: whatever chain a user
// puts behind it, proxies included, it recovers (open world).
func ChainRecovery() HandlerFunc { // want ChainRecovery:"swallows aborts: recovery handler"
	return func(c *Context) {
		defer func() {
			if v := recover(); v != nil { // want `recover in the function deferred by a function literal in ChainRecovery swallows http.ErrAbortHandler`
				c.W.WriteHeader(http.StatusInternalServerError)
			}
		}()
		c.Next()
	}
}
