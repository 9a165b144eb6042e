package timeouthandler

import (
	stdhttp "net/http"
	"time"
)

// The only other use of net/http here is the conversion the fix adds:
// the import stays.
func convOnly() {
	h := stdhttp.TimeoutHandler(proxy, time.Minute, "") // want `buffers the whole response of proxy`
	_ = h
}
