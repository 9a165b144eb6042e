package streamsafe

import (
	"log/slog"
	"net/http"
	"time"
)

// Defaults used by NewServer.
const (
	// ServerReadHeaderTimeout bounds how long a client may take to send the
	// request headers (slow loris). Setting it is what gosec G112 asks for;
	// it does not limit the body or the response.
	ServerReadHeaderTimeout = 10 * time.Second
	// ServerIdleTimeout bounds how long a keep-alive connection may wait for
	// its next request.
	ServerIdleTimeout = 2 * time.Minute
	// ServerMaxHeaderBytes leaves room for large credential headers such as
	// X-Registry-Auth.
	ServerMaxHeaderBytes = 1 << 20
)

// NewServer returns a server for addr and h with ReadHeaderTimeout,
// IdleTimeout and MaxHeaderBytes set, and net/http's own errors logged
// through slog.Default().
//
// It sets no ReadTimeout or WriteTimeout on purpose: those are absolute
// deadlines per request that cut any upload or stream that outlives them,
// however healthy the peer, and the resulting abort is never logged (see the
// package documentation). gosec G112 is satisfied by ReadHeaderTimeout alone;
// do not add WriteTimeout to quiet G114 or a linter. Bound requests by
// inactivity with Handler, and with MaxDuration where a hard cap is wanted.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ServerReadHeaderTimeout,
		IdleTimeout:       ServerIdleTimeout,
		MaxHeaderBytes:    ServerMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelError),
	}
}
