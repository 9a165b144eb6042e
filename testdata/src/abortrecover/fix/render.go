package fix

import (
	"io"
	"net/http"
)

// page is the rest of the program: a handler, so it may abort.
var page http.Handler = http.NotFoundHandler()

// render writes s, then serves the page: it may panic with
// http.ErrAbortHandler.
func render(w http.ResponseWriter, s string) {
	io.WriteString(w, s)
	page.ServeHTTP(w, nil)
}
