package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// Cause kinds, used as the "cause" log attribute and metric label.
const (
	CauseClientGone          = "client_gone"
	CauseClientStalled       = "client_stalled"
	CauseUpstreamError       = "upstream_error"
	CauseUpstreamUnreachable = "upstream_unreachable"
	CauseIdleTimeout         = "idle_timeout"
	CauseShutdown            = "shutdown"
	CauseUnknown             = "unknown"
)

// AbortError is why a request was cut: a kind from the Cause constants
// and the underlying error.
type AbortError struct {
	Kind string
	Err  error
}

func (e *AbortError) Error() string {
	if e.Err == nil {
		return e.Kind
	}
	return e.Kind + ": " + e.Err.Error()
}

func (e *AbortError) Unwrap() error { return e.Err }

// ErrShutdown is the cause given to requests cut because the proxy is
// stopping.
var ErrShutdown = &AbortError{Kind: CauseShutdown, Err: errors.New("proxy shutting down")}

func idleError(limit time.Duration) error {
	return &AbortError{Kind: CauseIdleTimeout, Err: fmt.Errorf("no bytes in either direction for %v", limit)}
}

// clientError classifies an error from writing to, or reading from, the
// client connection.
func clientError(op string, err error, limit time.Duration) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &AbortError{Kind: CauseClientStalled, Err: fmt.Errorf("%s blocked for %v: %w", op, limit, err)}
	}
	return &AbortError{Kind: CauseClientGone, Err: fmt.Errorf("%s: %w", op, err)}
}

// upstreamError classifies an error from the daemon connection.
func upstreamError(err error) error {
	var ae *AbortError
	if errors.As(err, &ae) {
		return err
	}
	return &AbortError{Kind: CauseUpstreamError, Err: err}
}

// dialError reports whether err means the daemon could not be reached at
// all (as opposed to failing mid-request).
func dialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT)
}

// causeOf resolves the cause of a cut request: the first recorded cause,
// else the derived context's cause, else client_gone when the server
// cancelled the request context.
func causeOf(recorded error, ctx, serverCtx context.Context) *AbortError {
	var ae *AbortError
	if recorded != nil && errors.As(recorded, &ae) {
		return ae
	}
	if c := context.Cause(ctx); c != nil && errors.As(c, &ae) {
		return ae
	}
	if serverCtx.Err() != nil {
		return &AbortError{Kind: CauseClientGone, Err: errors.New("client closed the connection")}
	}
	if recorded != nil {
		return &AbortError{Kind: CauseUnknown, Err: recorded}
	}
	return &AbortError{Kind: CauseUnknown}
}
