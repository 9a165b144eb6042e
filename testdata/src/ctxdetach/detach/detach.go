// Package detach holds functions that detach a request's context, used by
// the ctxdetach testdata from another package.
package detach

import (
	"context"
	"net/http"
)

// Detached returns a context that is never canceled and has no values.
func Detached() context.Context { // want Detached:"returns context.Background\\(\\)"
	return context.Background()
}

// Timed returns a detached context with a deadline.
func Timed() (context.Context, context.CancelFunc) { // want Timed:"returns context.Background\\(\\)"
	return context.WithTimeout(context.Background(), 0)
}

// Keep keeps the request's values: not detached.
func Keep(r *http.Request) context.Context {
	return context.WithoutCancel(r.Context())
}

// Middleware serves next with a request that is never canceled.
func Middleware(next http.Handler) http.Handler { // want Middleware:"detaches arg0 with context.Background\\(\\)"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ok: next is unknown here; callers that pass a stream are reported
		next.ServeHTTP(w, r.WithContext(context.Background()))
	})
}
