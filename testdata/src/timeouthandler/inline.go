package timeouthandler

import (
	"fmt"
	"net/http"
	"time"
)

// The message is built inline: it goes with the wrapper, and so does the
// fmt import it alone used.
func inlineMsg(timeout time.Duration) http.Handler {
	return http.TimeoutHandler(proxy, timeout, fmt.Sprintf("timed out after %v", timeout)) // want `buffers the whole response of proxy .* longer than timeout`
}

func serveNow(w http.ResponseWriter, r *http.Request, d time.Duration) {
	http.TimeoutHandler(proxy, d, "request timeout").ServeHTTP(w, r) // want `buffers the whole response of proxy`
}
