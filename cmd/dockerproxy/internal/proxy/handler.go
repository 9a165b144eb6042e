package proxy

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/metrics"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/policy"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
)

// Limits are the inactivity limits per stream class; zero disables one.
type Limits struct {
	// Short applies to requests not in another class, and to upgrade
	// requests until the protocol switch.
	Short time.Duration
	// Progress applies to pull, push, build and commit.
	Progress time.Duration
	// Bulk applies to save, load, export and archive.
	Bulk time.Duration
	// Idle applies to events, logs --follow, stats and wait, and only to
	// writes that stay blocked: silence never cuts these streams.
	Idle time.Duration
}

// DefaultLimits are generous enough for slow registries and large images;
// they exist to reclaim connections whose peer vanished without a FIN.
var DefaultLimits = Limits{
	Short:    2 * time.Minute,
	Progress: 10 * time.Minute,
	Bulk:     2 * time.Minute,
	Idle:     5 * time.Minute,
}

// Options configure a Handler.
type Options struct {
	Upstream *Upstream
	Policy   *policy.Policy
	// Token, when not empty, must arrive as "Authorization: Bearer TOKEN".
	Token   string
	Limits  Limits
	Logger  *slog.Logger
	Metrics *metrics.Metrics
}

// Handler proxies Docker Engine API requests to one daemon.
type Handler struct {
	opt Options
	rp  *httputil.ReverseProxy
	log *slog.Logger

	mu      sync.Mutex
	streams map[*stream]struct{}
}

type streamKey struct{}

// New returns a Handler for opt.
func New(opt Options) *Handler {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Metrics == nil {
		opt.Metrics = metrics.New()
	}
	if opt.Policy == nil {
		opt.Policy, _ = policy.Parse("all", nil)
	}
	h := &Handler{opt: opt, log: opt.Logger, streams: map[*stream]struct{}{}}
	h.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(opt.Upstream.URL)
			// The daemon needs no credentials meant for the proxy.
			pr.Out.Header.Del("Authorization")
		},
		Transport: opt.Upstream.Transport,
		// Flush every chunk: progress streams and events must reach the
		// client as they happen. (ReverseProxy does this anyway for
		// responses without Content-Length.)
		FlushInterval:  -1,
		BufferPool:     bufferPool{},
		ModifyResponse: h.modifyResponse,
		ErrorHandler:   h.errorHandler,
		ErrorLog:       slog.NewLogLogger(opt.Logger.Handler(), slog.LevelWarn),
	}
	return h
}

// ServeHTTP authenticates, applies the policy and proxies r.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := h.opt.Metrics
	if h.opt.Token != "" && !h.tokenOK(r) {
		m.Denied.WithLabelValues("auth").Inc()
		h.log.Warn("request denied", "reason", "bad or missing bearer token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		writeJSONError(w, http.StatusUnauthorized, "dockerproxy: missing or wrong bearer token")
		return
	}
	if p := r.URL.Path; p == "" || p[0] != '/' || path.Clean(p) != p {
		m.Denied.WithLabelValues("bad_path").Inc()
		writeJSONError(w, http.StatusBadRequest, "dockerproxy: path must be clean and absolute")
		return
	}
	if !h.opt.Policy.Allow(r.Method, r.URL.Path) {
		m.Denied.WithLabelValues("policy").Inc()
		h.log.Warn("request denied", "reason", "policy", "policy", h.opt.Policy.String(), "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		writeJSONError(w, http.StatusForbidden, fmt.Sprintf("dockerproxy: %s %s is not allowed by policy %s", r.Method, route.Strip(r.URL.Path), h.opt.Policy))
		return
	}
	h.serve(w, r)
}

func (h *Handler) tokenOK(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(h.opt.Token)) == 1
}

func (h *Handler) limitFor(c route.Class) (limit time.Duration, silent bool) {
	l := h.opt.Limits
	switch c {
	case route.Progress:
		return l.Progress, true
	case route.Bulk:
		return l.Bulk, true
	case route.Idle:
		return l.Idle, false
	}
	return l.Short, true // Short, and Upgrade until the switch
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	class := route.Classify(r)
	limit, silent := h.limitFor(class)
	ctx, cancel := context.WithCancelCause(r.Context())
	s := &stream{
		h: h, class: class, limit: limit, silent: silent,
		rc: http.NewResponseController(w), ctx: ctx, cancel: cancel, start: time.Now(),
		srvCtx: r.Context(),
	}
	defer cancel(nil)
	// Deadlines left by an earlier request on this keep-alive connection
	// must not apply to this one.
	if limit > 0 {
		s.writeDL = s.start
		_ = s.rc.SetWriteDeadline(s.start.Add(limit))
	} else {
		_ = s.rc.SetWriteDeadline(time.Time{})
	}
	active := h.opt.Metrics.Active.WithLabelValues(class.String())
	active.Inc()
	h.mu.Lock()
	h.streams[s] = struct{}{}
	h.mu.Unlock()
	s.watch()

	aborted := true
	defer func() {
		s.stop()
		h.mu.Lock()
		delete(h.streams, s)
		h.mu.Unlock()
		active.Dec()
		m := h.opt.Metrics
		m.Bytes.WithLabelValues("in").Add(float64(s.bytesIn.Load()))
		m.Bytes.WithLabelValues("out").Add(float64(s.bytesOut.Load()))
		if aborted {
			v := recover()
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				h.logAbort(r, s, causeOf(s.recorded(), ctx, r.Context()))
				m.Requests.WithLabelValues(class.String(), "aborted").Inc()
			}
			panic(v) // ordinary panics go on to the Recover middleware
		}
		code := s.status
		if code == 0 {
			code = http.StatusOK
		}
		m.Requests.WithLabelValues(class.String(), fmt.Sprint(code)).Inc()
		if limit > 0 && !s.hijacked.Load() {
			// One last extension for the final chunk net/http writes after
			// the handler returns.
			_ = s.rc.SetWriteDeadline(time.Now().Add(limit))
		}
		h.log.Debug("request", "method", r.Method, "path", r.URL.Path, "class", class.String(),
			"status", code, "bytes_in", s.bytesIn.Load(), "bytes_out", s.bytesOut.Load(),
			"duration", time.Since(s.start).Round(time.Millisecond), "remote", r.RemoteAddr)
	}()

	r2 := r.WithContext(context.WithValue(ctx, streamKey{}, s))
	if r.Body != nil && r.Body != http.NoBody {
		r2.Body = &requestBody{ReadCloser: r.Body, s: s}
	}
	h.rp.ServeHTTP(&responseWriter{ResponseWriter: w, s: s}, r2)
	aborted = false
}

func (h *Handler) logAbort(r *http.Request, s *stream, cause *AbortError) {
	h.opt.Metrics.Aborts.WithLabelValues(cause.Kind).Inc()
	h.log.Warn("request aborted", "cause", cause.Kind, "error", errString(cause.Err),
		"method", r.Method, "path", r.URL.Path, "class", s.class.String(),
		"limit", s.limit, "bytes_in", s.bytesIn.Load(), "bytes_out", s.bytesOut.Load(),
		"duration", time.Since(s.start).Round(time.Millisecond), "remote", r.RemoteAddr)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (h *Handler) modifyResponse(res *http.Response) error {
	s, _ := res.Request.Context().Value(streamKey{}).(*stream)
	if s == nil || res.StatusCode == http.StatusSwitchingProtocols {
		return nil // the upgrade path needs the raw ReadWriteCloser body
	}
	res.Body = &upstreamBody{ReadCloser: res.Body, s: s}
	return nil
}

// errorHandler runs when the daemon could not be asked or did not answer
// with response headers. It logs once, with the cause.
func (h *Handler) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	s, _ := r.Context().Value(streamKey{}).(*stream)
	if s == nil {
		writeJSONError(w, http.StatusBadGateway, "dockerproxy: "+err.Error())
		return
	}
	var cause *AbortError
	switch {
	case s.recorded() != nil || r.Context().Err() != nil:
		cause = causeOf(s.recorded(), s.ctx, s.srvCtx)
	case dialError(err):
		cause = &AbortError{Kind: CauseUpstreamUnreachable, Err: err}
	default:
		cause = &AbortError{Kind: CauseUpstreamError, Err: err}
	}
	h.logAbort(r, s, cause)
	if cause.Kind == CauseClientGone || cause.Kind == CauseClientStalled {
		s.status = 499 // nobody reads the response; keep metrics honest
		return
	}
	if s.wroteHdr {
		panic(http.ErrAbortHandler)
	}
	writeJSONError(w, http.StatusBadGateway, "dockerproxy: cannot reach the Docker daemon: "+cause.Error())
	s.status = http.StatusBadGateway
}

// CancelIdle cuts every idle-class stream (events, logs --follow, stats,
// wait) with cause. They never end on their own, so a graceful shutdown
// ends them first and waits for the others.
func (h *Handler) CancelIdle(cause error) int {
	return h.cancelWhere(cause, func(s *stream) bool { return s.class == route.Idle })
}

// CancelAll cuts every stream still in flight with cause.
func (h *Handler) CancelAll(cause error) int {
	return h.cancelWhere(cause, func(*stream) bool { return true })
}

func (h *Handler) cancelWhere(cause error, pick func(*stream) bool) int {
	h.mu.Lock()
	var list []*stream
	for s := range h.streams {
		if pick(s) && !s.hijacked.Load() {
			list = append(list, s)
		}
	}
	h.mu.Unlock()
	for _, s := range list {
		s.record(cause)
	}
	return len(list)
}

// writeJSONError writes a Docker-style error body; the docker CLI prints
// its message field ("Error response from daemon: ...").
func writeJSONError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(struct {
		Message string `json:"message"`
	}{msg})
}

// bufferPool hands the ReverseProxy 256 KiB copy buffers. The default is a
// fresh 32 KiB buffer per request; larger pooled buffers mean fewer
// read/write/flush rounds per megabyte on bulk transfers.
type bufferPool struct{}

var pool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

func (bufferPool) Get() []byte  { return *(pool.Get().(*[]byte)) }
func (bufferPool) Put(b []byte) { pool.Put(&b) }
