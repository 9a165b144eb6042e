package precision // want package:"reaches httputil.ReverseProxy"

import (
	"log"
	"net/http"
)

// finisher is the wrapper seen through an interface, as recovery
// middleware keeps it.
type finisher interface {
	http.ResponseWriter
	finalize()
}

func recoverTo(fw finisher) {
	if rec := recover(); rec != nil {
		defer fw.finalize() // ok: its implementation raises http.ErrAbortHandler once the response started
		log.Print(rec)
	}
}

func finishingIface(w http.ResponseWriter, r *http.Request) {
	var fw finisher = &finishingWriter{ResponseWriter: w}
	defer recoverTo(fw)
	proxy.ServeHTTP(fw, r)
}
