package proxy

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/identity"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/metrics"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/policy"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
	"github.com/streamvet/streamvet/runtime/streamsafe"
)

// Limits are the inactivity limits per stream class: how long one read of
// the request body or one write of the response may stay blocked before
// the request is cut. Silence (nothing to send) never cuts a request.
// Zero disables a limit.
type Limits struct {
	// Short applies to requests not in another class, and to upgrade
	// requests until the protocol switch.
	Short time.Duration
	// Progress applies to pull, push, build and commit.
	Progress time.Duration
	// Bulk applies to save, load, export and archive.
	Bulk time.Duration
	// Idle applies to events, logs --follow, stats and wait.
	Idle time.Duration
}

// DefaultLimits reclaim connections whose peer stopped reading or sending
// without closing; a healthy peer on a slow link moves bytes far more often.
var DefaultLimits = Limits{
	Short:    time.Minute,
	Progress: 5 * time.Minute,
	Bulk:     time.Minute,
	Idle:     5 * time.Minute,
}

// ErrShutdown is the cause given to requests cut because the proxy is
// stopping.
var ErrShutdown = errors.New("dockerproxy: shutting down")

// Options configure a Handler.
type Options struct {
	Upstream *Upstream
	Policy   *policy.Policy
	// ClientPolicies replace Policy for the clients they name (by
	// identity: certificate name or token name).
	ClientPolicies map[string]*policy.Policy
	// Token, when not empty, must arrive as "Authorization: Bearer TOKEN".
	Token string
	// Tokens maps each accepted bearer token to the name of its client
	// (see package identity); with Token, either is accepted.
	Tokens map[string]string
	Limits Limits
	// MaxStreams and MaxStreamsPerClient cap the requests in flight
	// (upgraded connections included), in total (over it: 503) and per
	// client identity or, for a client without one, IP address (429).
	// Zero means no limit.
	MaxStreams, MaxStreamsPerClient int
	// Site is checked before anything else (DNS rebinding, browsers).
	Site    Site
	Logger  *slog.Logger
	Metrics *metrics.Metrics
}

// Handler proxies Docker Engine API requests to one daemon.
type Handler struct {
	opt     Options
	log     *slog.Logger
	site    *siteCheck
	classes map[route.Class]*classHandler

	mu        sync.Mutex
	streams   map[*request]struct{}
	perClient map[string]int // streams by request.key
}

// request is what the Handler knows about a request in flight; the
// context carries it so that log records can name the class and the
// client, and so that shutdown can cut the request.
type request struct {
	class  route.Class
	remote string
	client string // identity.From the request context
	key    string // per-client limits: client, or the remote IP address
	cancel context.CancelCauseFunc
	ctx    context.Context

	// For a request that may be relayed (see relay): the link from the
	// server's request context, which ends when the handler returns, and
	// the relay once the daemon answered with a stream.
	relayable    bool
	unlink       func() bool
	relay        *relay
	method, path string
	start        time.Time
}

// unlinkClient stops passing the server's end of the request on to
// req.ctx, and reports whether the client was still there.
func (req *request) unlinkClient() bool {
	return req.unlink == nil || req.unlink()
}

type requestKey struct{}

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
	log := slog.New(&contextHandler{opt.Logger.Handler()})
	h := &Handler{opt: opt, log: log, site: newSiteCheck(opt.Site), streams: map[*request]struct{}{}, perClient: map[string]int{}, classes: map[route.Class]*classHandler{}}
	rp := newReverseProxy(opt.Upstream, log)
	// An idle stream holds its copy buffer for as long as it stays open,
	// hours for docker events; its messages are small.
	idleRP := *rp
	idleRP.BufferPool = smallBuffers{}
	for _, c := range route.Classes {
		rp := rp
		if c == route.Idle {
			rp = &idleRP
		}
		opts := []streamsafe.Option{
			streamsafe.IdleTimeout(h.limitFor(c)),
			streamsafe.Logger(log),
		}
		if c == route.Idle {
			// Ctrl-C on docker events or logs -f, the CLI closing /wait
			// once it has the exit code: that is how these streams end.
			opts = append(opts, streamsafe.OpenEnded())
		}
		h.classes[c] = h.newClassHandler(c, rp, opts)
	}
	return h
}

// classHandler is what requests of one stream class share: the proxy
// under streamsafe.Handler with the class's options, and the metrics
// resolved once.
type classHandler struct {
	h         http.Handler
	in, out   prometheus.Counter
	duration  prometheus.Observer
	active    prometheus.Gauge
	openEnded bool
}

func (h *Handler) newClassHandler(c route.Class, rp http.Handler, opts []streamsafe.Option) *classHandler {
	m := h.opt.Metrics
	ch := &classHandler{
		in:        m.Bytes.WithLabelValues("in"),
		out:       m.Bytes.WithLabelValues("out"),
		duration:  m.Duration.WithLabelValues(c.String()),
		active:    m.Active.WithLabelValues(c.String()),
		openEnded: c == route.Idle,
	}
	// One handler for every request of the class: the record names its
	// request, whose context carries the request's client.
	ch.h = streamsafe.Handler(rp, append(opts, streamsafe.OnDone(func(rec streamsafe.Record) {
		req := rec.Request.Context().Value(requestKey{}).(*request)
		if rl := req.relay; rl != nil && rl.client != nil && rec.Cause == nil {
			rl.approved = true // the relay records the request when it ends
			return
		}
		h.done(ch, req, rec)
	}))...)
	return ch
}

// newReverseProxy is streamsafe's proxy with Docker specifics: the proxy's
// bearer token is not forwarded, errors carry a JSON message the docker
// CLI prints, and the daemon connection pool fits many concurrent streams.
func newReverseProxy(up *Upstream, log *slog.Logger) *httputil.ReverseProxy {
	rp := streamsafe.NewReverseProxy(up.URL, log)
	rewrite := rp.Rewrite
	rp.Rewrite = func(pr *httputil.ProxyRequest) {
		rewrite(pr)
		pr.Out.Header.Del("Authorization")
	}
	errorHandler := rp.ErrorHandler
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		// A build context refused as it streamed (policy: ADD from a URL).
		var denial *policy.Denial
		if errors.As(err, &denial) {
			log.WarnContext(r.Context(), "request denied", "reason", denial.Reason, "method", r.Method, "path", r.URL.Path, "detail", denial.Message)
			writeJSONError(w, denial.Code, denial.Message)
			return
		}
		errorHandler(&jsonErrorWriter{ResponseWriter: w, msg: "dockerproxy: cannot reach the Docker daemon: " + up.hidePath(err.Error())}, r, err)
	}
	// streamsafe's 64 KiB connection buffers stay: 256 KiB bought no
	// throughput (reads larger than the buffer bypass it), and 4 KiB for
	// idle streams saved no resident memory (untouched pages cost none).
	tr := rp.Transport.(*http.Transport)
	tr.MaxIdleConnsPerHost = 256
	dial := func(ctx context.Context) (net.Conn, error) {
		return tr.DialContext(ctx, "tcp", up.URL.Host)
	}
	if up.TLS != nil {
		cfg := up.TLS.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = up.URL.Hostname()
		}
		// HTTP/1.1 only, on both paths: upgrades hijack the daemon
		// connection, and the inline path speaks HTTP/1.1 on what it dials.
		cfg.NextProtos = []string{"http/1.1"}
		tr.TLSClientConfig = cfg
		tr.ForceAttemptHTTP2 = false
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		dialTCP := dial
		dial = func(ctx context.Context) (net.Conn, error) {
			conn, err := dialTCP(ctx)
			if err != nil {
				return nil, err
			}
			tc := tls.Client(conn, cfg)
			if err := tc.HandshakeContext(ctx); err != nil {
				conn.Close()
				return nil, err
			}
			return tc, nil
		}
	}
	up.Transport = tr
	// The policy's response filters (ownership) apply below the proxy's
	// own handling of the answer.
	rp.Transport = policy.FilterResponses(newInlineTransport(tr, dial))
	return rp
}

// ServeHTTP authenticates, applies the policy and proxies r.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := h.opt.Metrics
	if reason, msg := h.site.check(r); reason != "" {
		m.Denied.WithLabelValues(reason).Inc()
		h.log.WarnContext(r.Context(), "request denied", "reason", reason, "host", r.Host, "origin", r.Header.Get("Origin"),
			"method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		writeJSONError(w, http.StatusForbidden, msg)
		return
	}
	// The client is named by its token, when the token file names it, or
	// else by its verified certificate (a certificate shared by several
	// clients is common, a named token is meant to name one); the name
	// goes into every log record of the request.
	client := identity.FromTLS(r.TLS)
	if h.opt.Token != "" || len(h.opt.Tokens) > 0 {
		name, ok := h.tokenOK(r)
		if !ok {
			m.Denied.WithLabelValues("auth").Inc()
			h.log.WarnContext(withClient(r.Context(), client), "request denied", "reason", "bad or missing bearer token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
			writeJSONError(w, http.StatusUnauthorized, "dockerproxy: missing or wrong bearer token")
			return
		}
		if name != "" {
			client = name
		}
	}
	if p := r.URL.Path; p == "" || p[0] != '/' || path.Clean(p) != p {
		m.Denied.WithLabelValues("bad_path").Inc()
		writeJSONError(w, http.StatusBadRequest, "dockerproxy: path must be clean and absolute")
		return
	}
	pol := h.opt.Policy
	if p, ok := h.opt.ClientPolicies[client]; ok && client != "" {
		pol = p
	}
	// The policy may read a JSON body to decide on it; a client that
	// stalls sending it gets the short inactivity limit.
	rc := http.NewResponseController(w)
	if h.opt.Limits.Short > 0 {
		_ = rc.SetReadDeadline(time.Now().Add(h.opt.Limits.Short))
	}
	denial := pol.CheckClient(r, client)
	_ = rc.SetReadDeadline(time.Time{})
	if denial != nil {
		m.Denied.WithLabelValues(denial.Reason).Inc()
		h.log.WarnContext(withClient(r.Context(), client), "request denied", "reason", denial.Reason, "policy", pol.String(), "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "detail", denial.Message)
		writeJSONError(w, denial.Code, denial.Message)
		return
	}
	class := route.Classify(r)
	req := &request{class: class, remote: r.RemoteAddr, client: client, key: limitKey(client, r.RemoteAddr)}
	parent := context.WithValue(r.Context(), requestKey{}, req)
	req.relayable = class == route.Idle && relayable(r)
	if req.relayable {
		// A relay outlives the handler, whose context net/http cancels
		// when it returns: the client leaving is linked in only until the
		// relay takes over, which then watches the client itself.
		parent = context.WithoutCancel(parent)
		req.method, req.path, req.start = r.Method, r.URL.Path, time.Now()
	}
	ctx, cancel := context.WithCancelCause(parent)
	req.ctx, req.cancel = ctx, cancel
	if req.relayable {
		req.unlink = context.AfterFunc(r.Context(), func() { cancel(context.Canceled) })
	}
	if !h.admit(w, r, req) {
		req.unlinkClient()
		cancel(nil)
		return
	}
	ch := h.classes[class]
	ch.active.Inc()
	defer func() {
		if rl := req.relay; rl != nil {
			if rl.approved {
				rl.run() // it ends the request
				return
			}
			rl.abandon()
		}
		req.unlinkClient()
		cancel(nil)
		h.release(req)
		ch.active.Dec()
	}()
	r = r.WithContext(ctx)
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &stopBody{ReadCloser: r.Body, ctx: ctx}
	}
	if req.relayable {
		w = &relayWriter{ResponseWriter: w, h: h, ch: ch, req: req}
	}
	ch.h.ServeHTTP(w, r)
}

// withClient adds the client's name to ctx for a record logged before the
// request is admitted.
func withClient(ctx context.Context, client string) context.Context {
	if client == "" {
		return ctx
	}
	return identity.With(ctx, client)
}

// tokenOK reports whether r carries an accepted bearer token, and the
// token's name. The scheme is case-insensitive (RFC 9110, section 11.1);
// every token is compared, in constant time.
func (h *Handler) tokenOK(r *http.Request) (name string, ok bool) {
	auth := r.Header.Get("Authorization")
	const scheme = "bearer "
	if len(auth) < len(scheme) || !strings.EqualFold(auth[:len(scheme)], scheme) {
		return "", false
	}
	got := []byte(strings.TrimSpace(auth[len(scheme):]))
	if h.opt.Token != "" && subtle.ConstantTimeCompare(got, []byte(h.opt.Token)) == 1 {
		ok = true // a token without a name names nobody
	}
	for tok, n := range h.opt.Tokens {
		if subtle.ConstantTimeCompare(got, []byte(tok)) == 1 {
			name, ok = n, true
		}
	}
	return name, ok
}

func (h *Handler) limitFor(c route.Class) time.Duration {
	l := h.opt.Limits
	switch c {
	case route.Progress:
		return l.Progress
	case route.Bulk:
		return l.Bulk
	case route.Idle:
		return l.Idle
	}
	return l.Short // Short, and Upgrade until the switch
}

// done feeds the metrics and writes the debug access log. Failed and
// aborted requests were already logged once, with their cause, by
// streamsafe.Handler.
func (h *Handler) done(ch *classHandler, req *request, rec streamsafe.Record) {
	m := h.opt.Metrics
	h.logStoppedHijack(req, &rec)
	ch.in.Add(float64(rec.BytesIn))
	ch.out.Add(float64(rec.BytesOut))
	ch.duration.Observe(rec.Duration.Seconds())
	reason := rec.Reason()
	code := strconv.Itoa(rec.Status)
	if reason == "client_gone" && ch.openEnded {
		// A client leaving events, logs -f or /wait is how those streams
		// end, not a failure: an alert on aborts must not fire for it.
		reason = ""
	} else if rec.Aborted {
		code = "aborted"
	}
	m.Requests.WithLabelValues(req.class.String(), code).Inc()
	if reason != "" {
		m.Aborts.WithLabelValues(reason).Inc()
		return
	}
	if rec.Cause != nil || !h.log.Enabled(req.ctx, slog.LevelDebug) {
		return // a cause was logged at INFO by streamsafe
	}
	h.log.DebugContext(req.ctx, "request", "method", rec.Method, "path", rec.Path,
		"status", rec.Status, "bytes_in", rec.BytesIn, "bytes_out", rec.BytesOut,
		"duration", rec.Duration.Round(time.Millisecond), "hijacked", rec.Hijacked)
}

// CancelIdle cuts every idle-class stream (events, logs --follow, stats,
// wait) with cause. They never end on their own, so a graceful shutdown
// ends them first and waits for the others.
func (h *Handler) CancelIdle(cause error) int {
	return h.cancelWhere(cause, func(r *request) bool { return r.class == route.Idle })
}

// InFlight returns the number of requests in flight, upgraded connections
// included (http.Server.Shutdown does not wait for those).
func (h *Handler) InFlight() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.streams)
}

// CancelAll cuts every request still in flight with cause.
func (h *Handler) CancelAll(cause error) int {
	return h.cancelWhere(cause, func(*request) bool { return true })
}

func (h *Handler) cancelWhere(cause error, pick func(*request) bool) int {
	h.mu.Lock()
	var list []*request
	for r := range h.streams {
		if pick(r) {
			list = append(list, r)
		}
	}
	h.mu.Unlock()
	for _, r := range list {
		r.cancel(cause)
	}
	return len(list)
}

// contextHandler adds the stream class, the client address and the
// client's identity to every record logged with a request context.
type contextHandler struct{ slog.Handler }

func (c *contextHandler) Handle(ctx context.Context, rec slog.Record) error {
	if req, ok := ctx.Value(requestKey{}).(*request); ok {
		rec.AddAttrs(slog.String("class", req.class.String()), slog.String("remote", req.remote))
		if req.client != "" {
			rec.AddAttrs(slog.String("client", req.client))
		}
	} else if id := identity.From(ctx); id != "" {
		rec.AddAttrs(slog.String("client", id))
	}
	return c.Handler.Handle(ctx, rec)
}

func (c *contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &contextHandler{c.Handler.WithAttrs(as)}
}

func (c *contextHandler) WithGroup(name string) slog.Handler {
	return &contextHandler{c.Handler.WithGroup(name)}
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

// jsonErrorWriter turns the bare 502 of streamsafe's proxy error handler
// into a Docker-style JSON error.
type jsonErrorWriter struct {
	http.ResponseWriter
	msg string
}

func (w *jsonErrorWriter) WriteHeader(code int) {
	if code >= 400 {
		writeJSONError(w.ResponseWriter, code, w.msg)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *jsonErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// smallBufferSize is the copy buffer of idle-class streams, which hold it
// for as long as they stay open: a Docker event is a few hundred bytes,
// and a burst of log lines costs a write per KiB.
const smallBufferSize = 1 << 10

var smallBufferArrays = sync.Pool{New: func() any { return new([smallBufferSize]byte) }}

// smallBuffers is an httputil.BufferPool of array pointers, so that Put
// does not allocate.
type smallBuffers struct{}

func (smallBuffers) Get() []byte { return smallBufferArrays.Get().(*[smallBufferSize]byte)[:] }

func (smallBuffers) Put(b []byte) {
	if len(b) == smallBufferSize {
		smallBufferArrays.Put((*[smallBufferSize]byte)(b))
	}
}
