// Package writetimeout defines an Analyzer that reports absolute server
// timeouts that cut streaming handlers.
//
// # Analyzer writetimeout
//
// writetimeout: report an http.Server whose absolute WriteTimeout or ReadTimeout cuts a streaming handler
//
// http.Server.WriteTimeout is a deadline for the whole response, set when
// the request has been read; ReadTimeout likewise covers the whole request
// body. Neither moves when data flows. A handler that streams — a
// ReverseProxy, a Flush loop, an io.Copy of a download or an upload — is
// cut when the deadline passes, however healthy the transfer:
//
//	srv := &http.Server{
//		Handler:      httputil.NewSingleHostReverseProxy(target),
//		ReadTimeout:  5 * time.Second,
//		WriteTimeout: 10 * time.Second, // cuts every response longer than 10s
//	}
//
// Behind a ReverseProxy the failure is also silent: the failed write makes
// the proxy panic with http.ErrAbortHandler, which net/http recovers
// without logging, so the client sees EOF and the server logs nothing.
//
// The check follows the server's handler through variables, closures,
// muxes, routers of any framework, middleware and constructors in other
// packages (see streamflow), and reports each absolute timeout that
// applies to a stream: WriteTimeout when the handler streams its response,
// ReadTimeout when it streams the request body. A server held in a field
// of a handler (echo's e.Server) or given to a handler's method
// (e.StartServer(srv)) serves that handler. A server built around a
// handler parameter (func serve(h http.Handler) { srv := &http.Server{
// Handler: h, WriteTimeout: …} … }) is reported at the server when a call
// in its package passes it a stream, and at the call when the call is in
// another package (the ServesParam fact). So is a server whose handler is
// a field that a constructor stores its parameter in (New(h) returns
// &Server{handler: h}; a method serves s.handler), a server around a
// wrapped parameter (Handler: h2c.NewHandler(handler, s)), and one around
// the router field of a struct parameter (newInstance(ctx, s, l) with
// Handler: s.mux, called on the s its caller returns). A server stored in
// a field is configured through it too (&ServeEvent{Server: server}, then
// a hook's e.Server.Handler = handler). Only the builder's own
// timeouts count, not those one caller sets through an option closure. A
// method that serves its receiver counts too: echo v5's e.Start(addr)
// serves e on a server whose ReadTimeout echo sets to 30s. Timeouts set
// in a callback the framework hands the server to before serving
// (echo v5's StartConfig{BeforeServeFunc: func(s *http.Server) error
// {…}}.Start(ctx, e)) apply to the handler that start call serves, and
// override the framework's. Zero and constant-zero timeouts, client and
// transport timeouts, and handlers that clear or roll their deadline with
// http.ResponseController are not reported.
//
// A builder that returns the router its server serves (New returns
// &Server{mux: mux, srv: &http.Server{Handler: mux, WriteTimeout: wt}})
// serves what its callers register on the result: on the router an
// accessor returns (handlers.Register(s.Mux()), s.Engine().GET(...)) or
// through a function handed the result (routes.Register(s)). The
// ServesParam fact says so ("serves the result"), and a call whose result
// gets a stream registered on it is reported at the call, whichever of the
// registering and the building package imports the other.
//
// A timeout read from a configuration field is a knob: it cuts streams
// only when something gives the field a value. When the configuration is
// a local built in view (a literal, new(T), var v T, changed by nothing
// else), the literal decides, and a field it leaves out is zero: a
// server built by confighttp's cfg.ToServer(handler) from
// ServerConfig{Endpoint: addr} has no WriteTimeout. In a main package,
// where every write is in view, a field that neither it nor anything it
// imports sets to a value that may be non-zero (a literal, an
// assignment, a flag or other function handed its address, a default in
// its struct tag) is zero as well; a value decoded from the user's
// configuration file is the user's choice. A package under internal/ is
// the program's own and is judged the same way; a main package that sets
// such a field is reported where it does. A default constructor's
// literal (confighttp.NewDefaultServerConfig's WriteTimeout: 30 s) sets
// the field only in programs that call it. Elsewhere a configured value
// counts as set, since a package that imports this one may set it.
//
// What a value may be follows where it comes from: a flag binding gives
// its default (f.DurationVar(&wt, "wt", defaults.WriteTimeout, "") gives
// nothing when that default is zero), a parameter of a function called
// only directly in its package the arguments of those calls, a local its
// assignments, and text parsed into a duration (time.ParseDuration(v) of
// a listener's "wt=30s") is the user's choice. A call that passes the
// server's builder a configuration leaving every timeout zero does not
// make it serve that call's stream.
//
// A server whose router is handed to plugins through an interface method
// (for _, l := range launchers { l.SetupSubrouters(router) }), when the
// plugins live in packages that import the server's, cannot see what they
// register, and they cannot see the server. The server's package records
// its timeouts on the interface method (the RoutesServed fact); a package
// whose type implements that method and registers a stream on the router
// is reported at its method, naming the server's setting. Such a finding
// has no fix: the timeout to remove is in the other package.
//
// The suggested fix removes the absolute timeout and keeps the server
// bounded with ReadHeaderTimeout and IdleTimeout. They take the server's
// ReadTimeout when it is a constant (net/http applies it to headers and
// to idle connections alike), else fixed defaults, 10 s and 2 min (those
// of streamsafe.NewServer): a removed WriteTimeout says nothing about how
// long headers may take. A value from configuration (a flag, an
// environment variable) is never moved to another field, where it would
// silently change meaning: the setting is removed with a one-line comment
// that says why, naming the flag that now has no effect when the file
// defines it, and the server's other timeouts stay as they are. A server
// literal written on one line is laid out a field a line, as gofmt would,
// so that each new field has its comment.
//
// Where a bound per stream is wanted, cut a stream that makes no
// progress for a while, per request: streamsafe.Handler in
// github.com/streamvet/streamvet/runtime/streamsafe does it in one line
// (not yet on the module proxy: require it from a clone with a replace
// directive, as the README's Install section shows).
// (Moving http.ResponseController's write deadline forward on each write is
// not enough over HTTP/2, where that deadline is a timer that resets a
// stream that is merely quiet.)
package writetimeout
