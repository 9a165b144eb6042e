// Package handler turns handler factories into handlers: the handler for
// a request is made per request, through an interface.
package handler

import "net/http"

type Factory interface {
	NewHandler(r *http.Request) http.Handler
}

func FactoryToHandler(f Factory) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := f.NewHandler(r)
		h.ServeHTTP(w, r)
	})
}
