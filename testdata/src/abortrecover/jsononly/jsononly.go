// A program that serves JSON only: nothing in it can reach a ReverseProxy.
package jsononly

import "net/http"

// recoverJSON is the program's own recovery middleware, used only in
// front of a mux of JSON handlers: nothing behind it can abort.
func recoverJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil { // ok: every use wraps handlers that cannot abort
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func jsonAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/users", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`[]`)) })
	return recoverJSON(mux)
}

// Recover is exported from a package other modules can import: it wraps
// whatever its users pass, proxies included, so it is reported here (the
// open world of a library), whatever this package's own uses.
func Recover(next http.Handler) http.Handler { // want Recover:"swallows aborts: middleware"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			_ = recover() // want `recover in the function deferred by the handler closure in Recover swallows http.ErrAbortHandler`
		}()
		next.ServeHTTP(w, r)
	})
}
