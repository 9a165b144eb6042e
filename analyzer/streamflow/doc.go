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
//     a loop or before further writes: server-sent events, log follow,
//     progress streams;
//   - a handler that copies an unbounded reader into the ResponseWriter
//     (io.Copy(w, resp.Body), io.Copy(w, file));
//   - a handler that reads an unbounded request body: io.Copy from r.Body,
//     multipart uploads, r.Body forwarded as an outgoing request body.
//
// Streaming is carried through closures, http.HandlerFunc conversions,
// http.StripPrefix, muxes (http.ServeMux and any router type whose methods
// take handlers), middleware of the shape func(http.Handler) http.Handler
// and handler types that delegate to a field. A handler that clears or
// rolls its deadline with http.ResponseController (and checks the error)
// does not stream for that direction.
//
// The analyzer reports nothing. It exports facts on functions, methods,
// package-level variables and struct fields, so that a server in one
// package sees that a router built in another streams, and it returns a
// *Result that the checks in streamvet query for any handler expression.
package streamflow
