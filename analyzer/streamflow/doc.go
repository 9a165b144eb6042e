// Package streamflow defines an Analyzer that finds which handlers stream.
//
// # Analyzer streamflow
//
// streamflow: find HTTP handlers whose response or request body can outlive any fixed deadline
//
// A handler streams when its response can outlive any fixed write
// deadline, or its request body any fixed read deadline:
//
//   - an *httputil.ReverseProxy (NewSingleHostReverseProxy, a literal with
//     Rewrite), and any handler whose body reaches its ServeHTTP;
//   - a handler that calls Flush (http.Flusher, http.ResponseController) in
//     a loop or before further writes, itself or through a helper that
//     flushes on every call: server-sent events, log follow, progress
//     streams;
//   - a handler that copies an unbounded reader into the ResponseWriter
//     (io.Copy(w, resp.Body), io.Copy(w, file)) or into a writer that
//     writes to it (a flushWriter{w} type, bufio.NewWriter(w),
//     io.MultiWriter(w, h), gzip.NewWriter(w); a Flush of such a writer in
//     a loop is a Flush loop), or serves a download:
//     http.ServeContent of an *os.File or of an object of a store (an
//     interface's reader, an S3 object; not an in-memory reader nor a file
//     of an http.FileSystem), http.FileServer, FileServerFS or ServeFile of
//     a directory the program also writes files into (uploads saved to
//     cfg.DataDir and served from it). A constant directory, a configured
//     one it never writes into (its built assets) and an embedded file
//     system are the program's own assets and are not counted;
//   - a helper that copies its reader parameter into the response
//     (e.Stream(status, ctype, reader)) streams where the caller's reader
//     is not in memory; a file of a file system asserted to a reader
//     (ff, ok := f.(io.ReadSeeker)) is an asset like the file;
//   - a handler that hands a callback which writes the response and
//     flushes it to code outside the standard library
//     (provider.SendChat(onChunk, r)): the callee calls it per event;
//   - a handler that keeps its ResponseWriter in a field that code of its
//     package flushes events through (a transport's Response that a
//     session's goroutine writes with writeEvent(t.Response, ev)) and then
//     waits: an event stream written elsewhere (the MCP SDKs' SSE
//     handlers);
//   - a handler that reads an unbounded request body: io.Copy from r.Body,
//     multipart uploads, r.Body forwarded as an outgoing request body; a
//     body under http.MaxBytesReader or MaxBytesHandler is bounded only by
//     a constant limit of at most 64 MiB, not by one from configuration. A
//     route registered for GET, HEAD or OPTIONS only (r.Get, r.GET, a
//     ServeMux pattern "GET /p") and a handler that turns away every other
//     method first receive no upload.
//
// A handler is any request path: a function whose parameters reach an
// http.ResponseWriter, directly, through a field or through a nullary
// method (func(w, r), func(w, r, httprouter.Params), gin's
// func(*gin.Context), echo's func(echo.Context) error). No framework is
// named: gin.WrapH, echo.WrapHandler, echo's proxy middleware and gin's
// c.Stream are read from the frameworks' own code, as any dependency is;
// a Flush method of any value that reaches the ResponseWriter
// (c.Writer.Flush(), c.Response().Flush()) flushes.
//
// Streaming is carried through closures, http.HandlerFunc conversions,
// http.StripPrefix, middleware (a function that returns a handler),
// handler types that delegate to a field or embed http.Handler, method
// values (proxy.ServeHTTP is the proxy), the handler result of a call that
// also returns an error (h, err := newProxy(cfg)), maps, slices and arrays
// of handlers (proxies[host], route tables of keyed or positional
// literals, range loops, append), a router held in an atomic.Value or
// atomic.Pointer and swapped on reload (Store, Swap, Load().(T)), a call
// through a local function variable (copyFunc := io.Copy), and a
// functional option that stores its parameter in a field (the closure
// func(o *T) { o.handler = h } returned by WithHandler(h) stores what the
// package's calls of WithHandler pass). Registration is a rule: a method
// call that passes a handler to a value held in a variable or field
// (mux.Handle, r.GET, e.Any, r.NoRoute, r.Use) makes that value route to
// it, and so does the router it was derived from (api := r.Group("/api"),
// r.PathPrefix(p).Subrouter(), r.With(mw).Get, the router a Route or
// Group closure receives), and the handler a method of such a router
// builds (r.BuildMux(), r.Handler()) serves its routes, including those
// registered on a router the package stores in a variable or field or
// returns from a function after registering on it (r, err :=
// NewRouter(app)); so does a handler stored in a field of a
// router from another package (r.NotFoundHandler = proxy). A router passed to a function routes to what
// that function registers on its parameter (register(mux),
// RegisterRoutes(r)), in other packages too, and so does a function that
// registers the fields of a struct parameter (generated glue:
// Mount(mux, h *Server) registering h.Download): the fact names the field
// path, and each call's value decides (a literal's element, the stores
// into that field of a local); a registration through an interface
// method (s.SetupRoutes(mux) for each service) registers what any
// implementation in view (this package and those it imports) does.
// Generated files are read like any other: only findings in them are
// hidden.
//
// A handler that clears or rolls its deadline with http.ResponseController
// and stops when that fails does not stream for that direction. A clear
// whose error is ignored, or only logged while the handler streams on,
// does not count: through a ResponseWriter wrapper without Unwrap it fails
// with http.ErrNotSupported and the timeout still cuts the stream. It does
// count when the handler clears the deadline on its own ResponseWriter
// parameter and nothing between the server and the handler may wrap it:
// only net/http's muxes, StripPrefix, HandlerFunc and delegations that hand
// on the same writer (Stream.Unwrapped); middleware, framework routers and
// handler types that delegate to a field may wrap it.
//
// The analyzer reports nothing. It exports facts on functions, methods,
// package-level variables and struct fields (and Registers on functions
// that register routes on a router parameter), so that a server in one
// package sees that a router built in another streams, and it returns a
// *Result that the checks in streamvet query for any handler expression.
package streamflow
