package streamsafe

import (
	"context"
	"sync/atomic"
	"time"
)

// requestContext is the request context under Handler. It carries the
// values of the context the request came with (parent) but not its
// cancellation, so that Handler decides when and why the request ends: the
// server would cancel it without a cause, before the failed write even
// returns.
//
// Its cancellation is a context.WithCancelCause context (cancelState), so
// that context.Cause reports Handler's cause and children attach to it as
// to any cancelCtx. That context, and the callback on parent that ends the
// request when the client leaves, are made only once something looks at
// the context (Done, Err, or a value while it is ending) or Handler
// cancels it: a handler that never does costs neither, and notices a
// client that left at its next read or write, or when it returns.
//
// A requestContext is made per request and never reused, since a context
// may outlive its request; the stream it reports to is reused, so every
// access to it checks gen.
type requestContext struct {
	parent context.Context
	s      *stream
	gen    uint64 // s serves this request while s.gen == gen
	ended  atomic.Bool
	state  atomic.Pointer[cancelState] // made on demand: see context
}

// cancelState is the cancellation of a requestContext.
type cancelState struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	cause  error // why the request ended; written before ended is set
}

func (c *requestContext) Deadline() (time.Time, bool) { return time.Time{}, false }

func (c *requestContext) Done() <-chan struct{} { return c.context().Done() }

func (c *requestContext) Err() error { return c.context().Err() }

func (c *requestContext) Value(key any) any {
	if key == (streamKey{}) {
		return c
	}
	// context.Cause looks up the cancelCtx through Value: once the request
	// is ending it must find this one, not the parent's.
	st := c.state.Load()
	if st == nil && (c.ended.Load() || c.parent.Err() != nil) {
		c.context()
		st = c.state.Load()
	}
	if st != nil {
		if v := st.ctx.Value(key); v != nil {
			return v
		}
	}
	return c.parent.Value(key)
}

// context returns the cancellation's context, making it on first use.
func (c *requestContext) context() context.Context {
	if st := c.state.Load(); st != nil {
		return st.ctx
	}
	st, made := c.make()
	if made && !c.ended.Load() {
		c.s.watchParent(c.gen)
	}
	return st.ctx
}

// make returns the cancellation, and whether this call made it.
func (c *requestContext) make() (*cancelState, bool) {
	if st := c.state.Load(); st != nil {
		return st, false
	}
	st := new(cancelState)
	// Background: the parent's cancellation reaches it through
	// watchParent, with Handler's cause.
	st.ctx, st.cancel = context.WithCancelCause(context.Background())
	if !c.state.CompareAndSwap(nil, st) {
		return c.state.Load(), false
	}
	// end may have run before the swap without seeing st (it runs
	// ended.Store, then state.Load; this runs the reverse).
	if c.ended.Load() {
		st.cancel(nil) // end had no cause, or it would have made st itself
	}
	return st, true
}

// cancel ends the context with cause (the first cause stays).
func (c *requestContext) cancel(cause error) {
	st, _ := c.make()
	st.cancel(cause)
}

// end records that the handler returned, with the request's cause.
func (c *requestContext) end(cause error) {
	if cause != nil {
		st, _ := c.make()
		st.cause = cause
		c.ended.Store(true)
		st.cancel(cause)
		return
	}
	c.ended.Store(true)
	if st := c.state.Load(); st != nil {
		st.cancel(nil)
	}
}

// live calls f with the stream while it serves this request, and
// reports whether it did.
func (c *requestContext) live(f func(s *stream)) bool {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != c.gen || s.done {
		return false
	}
	f(s)
	return true
}

// abort, fail and committed are stream's, for code that reaches the
// request through its context.
func (c *requestContext) abort(cause error) {
	c.live(func(s *stream) { s.abortLocked(cause) })
}

func (c *requestContext) fail(cause error) {
	c.live(func(s *stream) { s.failLocked(cause) })
}

// committed reports whether a status was sent, so an error can no longer be
// answered with one.
func (c *requestContext) committed() bool {
	committed := false
	c.live(func(s *stream) { committed = s.wroteHeader || s.hijacked })
	return committed
}

// recorded returns the request's cause so far.
func (c *requestContext) recorded() error {
	if s := c.s; !c.ended.Load() {
		s.mu.Lock()
		cause, current := s.cause, s.gen == c.gen
		s.mu.Unlock()
		if current {
			return cause
		}
		// s was released, which happens after end
	}
	if st := c.state.Load(); st != nil {
		return st.cause
	}
	return nil
}

// requestOf returns the request context of Handler that ctx is or derives
// from, or nil.
func requestOf(ctx context.Context) *requestContext {
	c, _ := ctx.Value(streamKey{}).(*requestContext)
	return c
}

// Cause reports why the request behind ctx ended early or failed, or nil. Under
// Handler it is the recorded cause; otherwise it is context.Cause(ctx) once
// ctx is done.
func Cause(ctx context.Context) error {
	if c := requestOf(ctx); c != nil {
		return c.recorded()
	}
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}
