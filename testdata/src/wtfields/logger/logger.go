// Package logger wraps a handler and logs its responses.
package logger

import (
	"log"
	"net/http"
)

type ResponseLogger struct {
	Handler http.Handler
}

func NewResponseLogger(delegate http.Handler) *ResponseLogger {
	return &ResponseLogger{Handler: delegate}
}

func (l *ResponseLogger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log.Print(r.URL)
	l.Handler.ServeHTTP(w, r)
}
