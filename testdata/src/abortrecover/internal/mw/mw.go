// Package mw is a program's own middleware, under internal/: only the
// program can import it, so every use is the program's, judged where it
// is used (the closed world of a program).
package mw

import (
	"log"
	"net/http"
)

// Recover is exported for the program's other packages, none of which
// puts it in front of a proxy here: don't flag it.
func Recover(next http.Handler) http.Handler { // want Recover:"swallows aborts: middleware"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil { // ok: a program's middleware, judged by its uses
				log.Print(v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
