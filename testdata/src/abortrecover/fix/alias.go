package fix

import (
	"fmt"
	"log"
	nethttp "net/http"
)

// The fix uses the file's name for net/http.
func aliased(w nethttp.ResponseWriter, r *nethttp.Request) {
	defer func() {
		if v := recover(); v != nil { // want `recover in the function deferred by handler aliased swallows`
			log.Print(v)
		}
	}()
	render(w, fmt.Sprint(r.URL))
}

// A local errors hides the package: no fix is offered here.
func localErrors(w nethttp.ResponseWriter, r *nethttp.Request) {
	var errors []string
	defer func() {
		if v := recover(); v != nil { // want `recover in the function deferred by handler localErrors swallows`
			errors = append(errors, fmt.Sprint(v))
			log.Print(errors)
		}
	}()
	render(w, fmt.Sprint(r.URL))
}
