// Package proxy is the HTTP handler of dockerproxy: authentication,
// endpoint policy, per-stream inactivity limits, abort-cause logging and
// the reverse proxy to the daemon.
//
// # Why there are no absolute timeouts
//
// A docker push keeps one response open for as long as the registry
// upload takes; docker events and docker logs --follow stay open for
// hours. http.Server's WriteTimeout and ReadTimeout are absolute: they cut
// such responses after a fixed time. net/http's ReverseProxy then panics
// with http.ErrAbortHandler, which the server recovers without logging,
// so the client sees EOF and nobody sees why.
//
// Instead every request gets an inactivity limit chosen by its stream
// class (see package route):
//
//   - a write to the client, or a read of the request body, that stays
//     blocked longer than the limit cuts the request (the peer stalled);
//     the connection deadline is moved forward on progress, at most four
//     times per limit, not on every write;
//   - for short, progress and bulk requests, no bytes in either direction
//     for longer than the limit also cuts the request;
//   - idle streams (events, logs --follow, stats, wait) may stay silent
//     for any time; only a stalled write cuts them;
//   - upgraded connections (attach, exec, BuildKit session) have no limit
//     once switched; net/http clears deadlines on hijack.
//
// # Aborts are logged once, with their cause
//
// Every cut request produces exactly one log record "request aborted"
// with a cause (client_gone, client_stalled, upstream_error,
// idle_timeout, shutdown) and then re-panics http.ErrAbortHandler, so
// net/http still aborts the response and the client sees an error rather
// than a clean end. The server's request context carries no cause
// (https://go.dev/issue/64465), so the handler derives one with
// context.WithCancelCause.
//
// Credential headers (Authorization, X-Registry-Auth, X-Registry-Config)
// are never logged: log records carry method, path, class, status, byte
// counts, duration and cause only.
package proxy
