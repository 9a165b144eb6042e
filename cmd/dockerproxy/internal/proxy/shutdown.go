package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/streamvet/streamvet/runtime/streamsafe"
)

// stopBody names shutdown as the cause when a read of the request body
// fails because the proxy cut the request: the server closes the
// connection under a read that the cancellation alone does not unblock,
// and the record would otherwise blame the client ("read").
type stopBody struct {
	io.ReadCloser
	ctx context.Context
}

func (b *stopBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		if cause := context.Cause(b.ctx); errors.Is(cause, ErrShutdown) {
			err = fmt.Errorf("%w: %w (%v)", streamsafe.ErrStopped, cause, err)
		}
	}
	return n, err
}

// logStoppedHijack logs an upgraded connection (attach, exec, BuildKit
// session) that shutdown cut, as streamsafe logs other cut requests:
// streamsafe leaves hijacked connections alone, so it records no cause
// for them. It reports whether it did.
func (h *Handler) logStoppedHijack(req *request, rec *streamsafe.Record) bool {
	if !rec.Hijacked || rec.Cause != nil {
		return false
	}
	cause := context.Cause(req.ctx)
	if !errors.Is(cause, ErrShutdown) {
		return false
	}
	rec.Cause, rec.Aborted = fmt.Errorf("%w: %w", streamsafe.ErrStopped, cause), true
	h.log.LogAttrs(req.ctx, slog.LevelWarn, "request aborted", append(rec.Attrs(), slog.Bool("hijacked", true))...)
	return true
}
