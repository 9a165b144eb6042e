package proxy

import (
	"fmt"
	"net"
	"net/http"
)

// WriteError writes a Docker-style JSON error ({"message": "..."}), which
// the docker CLI prints as "Error response from daemon: ...".
func WriteError(w http.ResponseWriter, code int, msg string) { writeJSONError(w, code, msg) }

// limitKey is what per-client limits count by: the client's identity, or
// for a client without one its IP address.
func limitKey(client, remote string) string {
	if client != "" {
		return client
	}
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}

// admit registers req as in flight, or answers it 503 (every stream
// taken) or 429 (the client's streams taken) and reports false.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request, req *request) bool {
	total, per := h.opt.MaxStreams, h.opt.MaxStreamsPerClient
	h.mu.Lock()
	var code, limit int
	var reason, msg string
	switch {
	case total > 0 && len(h.streams) >= total:
		code, reason, limit = http.StatusServiceUnavailable, "streams", total
		msg = fmt.Sprintf("dockerproxy: too many requests in flight (limit %d); try again later", total)
	case per > 0 && h.perClient[req.key] >= per:
		code, reason, limit = http.StatusTooManyRequests, "client_streams", per
		msg = fmt.Sprintf("dockerproxy: too many requests in flight for this client (limit %d); end some (docker events, logs -f, attach) and try again", per)
	default:
		h.streams[req] = struct{}{}
		h.perClient[req.key]++
		h.mu.Unlock()
		return true
	}
	h.mu.Unlock()
	h.opt.Metrics.Denied.WithLabelValues(reason).Inc()
	h.log.WarnContext(req.ctx, "request refused", "reason", reason, "limit", limit,
		"method", r.Method, "path", r.URL.Path, "remote", req.remote)
	w.Header().Set("Connection", "close")
	writeJSONError(w, code, msg)
	return false
}

func (h *Handler) release(req *request) {
	h.mu.Lock()
	delete(h.streams, req)
	if h.perClient[req.key]--; h.perClient[req.key] <= 0 {
		delete(h.perClient, req.key)
	}
	h.mu.Unlock()
}
