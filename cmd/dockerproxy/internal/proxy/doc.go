// Package proxy is the HTTP handler of dockerproxy: authentication,
// endpoint policy, stream classes and the reverse proxy to the daemon,
// built on package streamsafe.
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
// Instead every request runs under streamsafe.Handler with the
// inactivity limit of its stream class (see package route and [Limits]):
// a write to the client, or a read of the request body, that stays
// blocked longer than the limit cuts the request; a transfer that keeps
// moving, or a stream that has nothing to send, is never cut. Upgraded
// connections (attach, exec, BuildKit session) have no limit once
// switched.
//
// # Aborts are logged once, with their cause
//
// Every cut request produces exactly one log record "request aborted"
// with a reason (client_gone, stopped, write, read, upstream, idle) and
// the cause, and the response is aborted, so the client sees an error
// rather than a clean end. This package adds the stream class and the
// client address to those records; requests the proxy cuts itself while
// shutting down carry reason "stopped" and the cause ErrShutdown.
//
// # Idle streams are relayed
//
// Once the daemon answers an idle-class request (events, logs --follow,
// stats, wait) with a stream, the proxy takes the client connection over
// from net/http and relays the daemon's bytes itself (see relay.go): a
// stream that sends nothing holds two parked goroutines with small stacks
// and no buffer, rather than net/http's per-connection buffers, the
// handler's stack and ReverseProxy's copy buffer. The inactivity limit,
// the abort record, metrics, stream limits and shutdown apply as to any
// other request. Such a response carries "Connection: close".
//
// Credential headers (Authorization, X-Registry-Auth, X-Registry-Config)
// are never logged: records carry method, path, class, status, byte
// counts, duration and cause only. The proxy's own bearer token is removed
// before the request reaches the daemon.
package proxy
