package timeouthandler

import (
	"net/http"

	"timeouthandler/thwrap"
)

// ok: the wrapper wraps a handler that does not stream
var crossPlain = thwrap.WithTimeout(http.HandlerFunc(hello))
