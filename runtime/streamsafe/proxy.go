package streamsafe

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
)

// NewReverseProxy returns a reverse proxy to target that streams well and
// reports why a response failed.
//
// target is an http or https URL, or a unix socket such as
// "unix:///var/run/docker.sock". The proxy
//   - uses Rewrite with SetURL and SetXForwarded (never the deprecated
//     Director);
//   - flushes every write of a response of unknown length or of type
//     text/event-stream (ReverseProxy does so with FlushInterval 0), so
//     progress streams such as Docker's JSON messages reach the client at
//     once; FlushInterval stays 0 because -1 also starts a goroutine per
//     response to flush the headers, which costs short requests latency;
//   - copies through a shared pool of large buffers;
//   - has its own Transport: no environment proxy, no transparent gzip, and
//     for unix targets a dialer to the socket;
//   - on an upstream error before the response started answers 502, and after
//     it started aborts the response (panic http.ErrAbortHandler) so the
//     client sees an error, never a clean but truncated body.
//
// Under Handler the upstream error, including a read error mid-body, becomes
// the request's cause and is logged once by Handler; without Handler the
// proxy logs it to logger. A nil logger means slog.Default(). Set further
// fields (ModifyResponse, Transport settings) on the result before serving;
// keep the ModifyResponse already set by calling it from yours.
func NewReverseProxy(target *url.URL, logger *slog.Logger) *httputil.ReverseProxy {
	if logger == nil {
		logger = slog.Default()
	}
	upstream := target
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	transport.DisableCompression = true // pass the client's Accept-Encoding through unchanged
	transport.MaxIdleConnsPerHost = 32
	transport.ReadBufferSize = 64 << 10
	transport.WriteBufferSize = 64 << 10
	if target.Scheme == "unix" {
		socket := target.Path
		if target.Host != "" { // unix://relative/path
			socket = target.Host + target.Path
		}
		var d net.Dialer
		transport.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", socket)
		}
		upstream = &url.URL{Scheme: "http", Host: "localhost"}
	}
	p := &proxy{logger: logger}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.SetXForwarded()
		},
		Transport:      transport,
		FlushInterval:  0, // see above
		BufferPool:     bufferPool{},
		ErrorHandler:   p.errorHandler,
		ModifyResponse: p.modifyResponse,
		// Read errors mid-body are reported by upstreamBody, with the request.
		ErrorLog: log.New(io.Discard, "", 0),
	}
}

type proxy struct {
	logger *slog.Logger
}

func (p *proxy) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	cause := fmt.Errorf("%w: %w", ErrUpstream, err)
	req := requestOf(r.Context())
	if req == nil {
		p.log(r, cause)
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	if req.committed() {
		req.abort(cause)
		panic(http.ErrAbortHandler)
	}
	req.fail(cause)
	w.WriteHeader(http.StatusBadGateway)
}

func (p *proxy) log(r *http.Request, cause error) {
	p.logger.LogAttrs(r.Context(), slog.LevelError, "proxy error",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("reason", "upstream"),
		slog.String("cause", cause.Error()),
	)
}

// modifyResponse wraps the upstream body so that a read error mid-body is
// reported; ReverseProxy itself only prints it to ErrorLog.
func (p *proxy) modifyResponse(res *http.Response) error {
	if res.StatusCode == http.StatusSwitchingProtocols {
		return nil // the body is the upgraded connection; ReverseProxy needs it as is
	}
	res.Body = &upstreamBody{ReadCloser: res.Body, req: res.Request, p: p}
	return nil
}

type upstreamBody struct {
	io.ReadCloser
	req      *http.Request
	p        *proxy
	reported atomic.Bool
}

func (b *upstreamBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && !b.reported.Swap(true) {
		cause := fmt.Errorf("%w: %w", ErrUpstream, err)
		if req := requestOf(b.req.Context()); req != nil {
			req.abort(cause) // a cause recorded first (client gone, idle) wins
		} else {
			b.p.log(b.req, cause)
		}
	}
	return n, err
}

// bufferSize trades memory per active stream for fewer system calls.
const bufferSize = 128 << 10

var buffers = sync.Pool{New: func() any { return new([bufferSize]byte) }}

// bufferPool stores array pointers, so Put does not allocate.
type bufferPool struct{}

func (bufferPool) Get() []byte { return buffers.Get().(*[bufferSize]byte)[:] }

func (bufferPool) Put(b []byte) {
	if len(b) == bufferSize {
		buffers.Put((*[bufferSize]byte)(b))
	}
}
