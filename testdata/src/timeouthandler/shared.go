package timeouthandler

import (
	"net/http"
	"time"
)

// Two findings share the time package and nothing else uses it: applying
// both fixes deletes the import once.
func shared(mux *http.ServeMux) {
	mux.Handle("/one/", http.TimeoutHandler(proxy, time.Minute, ""))                  // want `buffers the whole response of proxy`
	mux.Handle("/two/", http.TimeoutHandler(http.HandlerFunc(events), time.Hour, "")) // want `http.HandlerFunc\(events\) \(a Flush loop`
}
