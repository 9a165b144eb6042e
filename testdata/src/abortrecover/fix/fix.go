// Fixes that bind the value under fresh names and add imports.
package fix

import (
	"fmt"
	"log"
	"net/http"
)

func handler(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if recover() != nil { // want `recover in the function deferred by handler handler swallows`
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	guarded(func() { render(w, "hello") })
}

// v, err and ok are taken: the fix must not shadow them.
func shadow(w http.ResponseWriter, r *http.Request) {
	v, err, ok := 1, fmt.Errorf("x"), true
	defer func() {
		if recover() != nil { // want `recover in the function deferred by handler shadow swallows`
			log.Print(v, err, ok)
		}
	}()
	quiet(func() { render(w, fmt.Sprint(v)) })
}
