package timeouthandler

import (
	"net/http"
	"time"
)

// The deadline and the time package are used only by the wrapper: the
// fix deletes both.
func onlyTime(mux *http.ServeMux) {
	d := 45 * time.Second
	mux.Handle("/only/", http.TimeoutHandler(proxy, d, "")) // want `drops a stream longer than d for a 503`
}
