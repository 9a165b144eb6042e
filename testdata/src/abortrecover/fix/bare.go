package fix

import (
	"fmt"
	"log"
	"net/http"
)

// Recovers with no comment on their line: the fix adds no blank line.
func bare(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// want +1 `recover in the function deferred by handler bare swallows`
		if v := recover(); v != nil {
			log.Print(v)
		}
	}()
	render(w, fmt.Sprint(r.URL))
}

func bareStmt(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// want +1 `recover in the function deferred by handler bareStmt swallows`
		v := recover()
		log.Print(v)
	}()
	render(w, fmt.Sprint(r.URL))
}
