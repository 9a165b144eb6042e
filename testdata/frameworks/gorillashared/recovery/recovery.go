// Package recovery builds the program's recovery middleware on gorilla's,
// with the program's own logger, as a helper of its own package.
package recovery

import (
	"log"
	"net/http"

	"github.com/gorilla/handlers"
)

// NewRecoveryHandler returns gorilla's recovery middleware logging to
// logger: a factory of middleware that drops aborts, as gorilla's is.
func NewRecoveryHandler(logger *log.Logger, printStack bool) func(h http.Handler) http.Handler { // want NewRecoveryHandler:"swallows aborts: middleware factory"
	return handlers.RecoveryHandler(handlers.RecoveryLogger(logger), handlers.PrintRecoveryStack(printStack))
}

// Compressing returns gorilla's compression middleware, which recovers
// nothing.
func Compressing() func(h http.Handler) http.Handler {
	return handlers.CompressHandler
}
