package proxy

import (
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// Recover logs a panic from next with its stack and aborts the response.
// http.ErrAbortHandler passes through untouched: it is how a handler asks
// net/http to cut a response, and its cause was logged where it was
// raised. Swallowing it would end a cut response as if it were complete.
func Recover(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			log.Error("panic in handler", "panic", v, "method", r.Method, "path", r.URL.Path, "stack", string(debug.Stack()))
			panic(http.ErrAbortHandler) // logged once, here; net/http stays quiet
		}()
		next.ServeHTTP(w, r)
	})
}
