package fix

import (
	"io"
	"net/http"
)

// render is code of the program: as far as the check knows, it may serve a
// proxy and panic with http.ErrAbortHandler.
func render(w http.ResponseWriter, s string) { io.WriteString(w, s) }
