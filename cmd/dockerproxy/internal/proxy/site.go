package proxy

import (
	"net"
	"net/http"
	"strings"
)

// Site says which Host names a request may carry and which browser
// origins may send requests: the defences against DNS rebinding (a web
// page whose name resolves to the proxy's address sends Host: its own
// name) and against cross-site requests (a page's form or fetch sends
// Origin and Sec-Fetch-Site; a POST with Content-Type text/plain needs no
// CORS preflight, so the browser delivers it).
type Site struct {
	// Hosts are the names and addresses the proxy is reached by, without
	// port; empty: any Host is accepted.
	Hosts []string
	// Origins are the browser origins allowed to send requests
	// ("https://ui.example:8443"); "*" allows any. Empty: every request
	// that carries an Origin, or a Sec-Fetch-Site other than "none", is
	// refused. The docker CLI and SDKs send neither.
	Origins []string
}

type siteCheck struct {
	hosts     map[string]bool
	origins   map[string]bool
	anyOrigin bool
}

func newSiteCheck(s Site) *siteCheck {
	c := &siteCheck{origins: map[string]bool{}}
	if len(s.Hosts) > 0 {
		// The Docker SDK's Host for socket transports; browsers resolve
		// .localhost to loopback only, so no page can rebind it.
		c.hosts = map[string]bool{"api.moby.localhost": true}
		for _, h := range s.Hosts {
			c.hosts[normalHost(h)] = true
		}
	}
	for _, o := range s.Origins {
		if o == "*" {
			c.anyOrigin = true
		}
		c.origins[strings.ToLower(strings.TrimSuffix(o, "/"))] = true
	}
	return c
}

// normalHost returns the host part of a Host header or of a name, in
// lower case, without port, brackets and trailing dot.
func normalHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(h, "]"), "["), ".")
	return strings.ToLower(h)
}

// check returns why r is refused, with the metric reason, or "".
func (c *siteCheck) check(r *http.Request) (reason, msg string) {
	if c.hosts != nil && !c.hosts[normalHost(r.Host)] {
		return "host", "dockerproxy: Host " + quote(r.Host) + " is not a name of this proxy (DNS rebinding?); clients must use one of its names or addresses, or add the name with -allow-host"
	}
	if c.anyOrigin {
		return "", ""
	}
	if o := r.Header.Get("Origin"); o != "" {
		if c.origins[strings.ToLower(o)] {
			return "", ""
		}
		return "origin", "dockerproxy: requests from web pages are refused (Origin " + quote(o) + "); allow an origin with -allow-origin"
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		// A browser that sent no Origin (a cross-site GET navigation).
		return "origin", "dockerproxy: cross-site requests from web pages are refused"
	}
	return "", ""
}

func quote(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return `"` + strings.Map(func(r rune) rune {
		if r < ' ' || r == '"' || r == 0x7f {
			return '?'
		}
		return r
	}, s) + `"`
}

// Guard applies the proxy's Host and Origin checks to next and, with auth,
// its bearer token: the admin endpoints (/healthz, /metrics) get the same
// rules as the Docker API. Client certificates are checked by the TLS
// listener.
func (h *Handler) Guard(next http.Handler, auth bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if reason, msg := h.site.check(r); reason != "" {
			h.opt.Metrics.Denied.WithLabelValues(reason).Inc()
			h.log.WarnContext(r.Context(), "request denied", "reason", reason, "host", r.Host, "origin", r.Header.Get("Origin"),
				"method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
			writeJSONError(w, http.StatusForbidden, msg)
			return
		}
		if auth && (h.opt.Token != "" || len(h.opt.Tokens) > 0) {
			if _, ok := h.tokenOK(r); !ok {
				h.opt.Metrics.Denied.WithLabelValues("auth").Inc()
				writeJSONError(w, http.StatusUnauthorized, "dockerproxy: missing or wrong bearer token")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
