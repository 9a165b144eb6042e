// Package streamsafe serves long HTTP streams without cutting them and
// without hiding why they end.
//
// # The failure mode
//
// http.Server's WriteTimeout and ReadTimeout are absolute deadlines per
// request, so a stream that outlives them (a large docker push, a log
// follow, server-sent events) fails mid-transfer however healthy the peer is.
// The failed write makes httputil.ReverseProxy panic with
// http.ErrAbortHandler, which net/http recovers without logging anything, and
// the request context carries no cause (Go issue 64465). The client sees
// "unexpected EOF", the upstream sees "context canceled", and the real
// "i/o timeout" appears nowhere.
//
// # The corrected pattern
//
//   - [NewServer] sets ReadHeaderTimeout, IdleTimeout and MaxHeaderBytes and
//     no absolute Read/WriteTimeout.
//   - [Handler] bounds each request by inactivity instead: a read or write
//     that makes no progress for the idle limit is cut, a transfer of any
//     length that keeps moving is not. An optional hard cap bounds the whole
//     request. Wrap each route with its own options.
//   - [Handler] records why a request ended early, sets it as the request
//     context's cancel cause, logs one structured record, and then aborts the
//     response so the client sees an error instead of a clean end. To stop
//     a request yourself (a server shutting down), cancel the context you
//     pass it with a cause: the record says [ErrStopped] and your cause,
//     not that the client left.
//   - [Handler] enables full duplex for requests with a body: by default an
//     HTTP/1 server throws away up to 256 KiB of a body still unread when
//     the response starts, so a proxied upload the upstream answers early
//     loses data without an error anywhere.
//   - [Recover] logs ordinary panics with their stack and lets
//     http.ErrAbortHandler through.
//   - [NewReverseProxy] builds an httputil.ReverseProxy with Rewrite, immediate
//     flushing of streams, pooled buffers, unix socket upstreams, and
//     upstream errors reported to [Handler].
//
// A typical server (the package example): Handler on each route with that
// route's limits, Recover once around the mux so that every route is
// covered:
//
//	logger := slog.Default()
//	upstream, err := url.Parse("unix:///var/run/docker.sock")
//	if err != nil {
//		log.Fatal(err)
//	}
//	proxy := streamsafe.NewReverseProxy(upstream, logger) // Rewrite, streams flushed per write, pooled buffers
//	mux := http.NewServeMux()
//	mux.Handle("/", streamsafe.Handler(proxy, streamsafe.IdleTimeout(time.Minute), streamsafe.Logger(logger)))
//	srv := streamsafe.NewServer(":2376", streamsafe.Recover(mux, logger)) // no absolute timeouts
//	log.Fatal(srv.ListenAndServe())
//
// # Why not deadlines moved forward on every write
//
// Handler does not re-arm SetWriteDeadline as data flows. Over HTTP/2 a
// stream's write deadline is a timer that resets the stream when it fires,
// even while the handler is quietly waiting for data to send, so an idle
// event stream would be killed. Instead Handler notes progress with a few
// atomic operations and clock reads per read or write, and one timer per
// request looks for a read or write that has been stuck for the idle limit;
// only then does it set the deadlines in the past, through
// http.ResponseController, to unblock it.
// No deadline call is made per write.
package streamsafe
