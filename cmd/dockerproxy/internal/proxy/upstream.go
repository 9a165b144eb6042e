package proxy

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Upstream is the daemon the proxy forwards to.
type Upstream struct {
	// URL is the daemon's address as streamsafe.NewReverseProxy takes it:
	// unix:///path/to/docker.sock or http://host:port.
	URL *url.URL
	// TLS, when set, is used to reach a daemon's own TLS listener
	// (dockerd --tlsverify); URL is then https.
	TLS *tls.Config
	// Transport dials the daemon; New sets it.
	Transport *http.Transport
	// Addr is the address for humans and logs.
	Addr string
}

// ParseUpstream accepts unix:///path/to/docker.sock, a bare socket path,
// tcp://host:port, http://host:port or https://host:port. With a TLS
// configuration (a daemon's client certificates), tcp:// means TLS too, as
// it does for the docker CLI with DOCKER_TLS_VERIFY; https:// without one
// verifies the daemon against the system roots.
func ParseUpstream(s string, tlsConfig *tls.Config) (*Upstream, error) {
	up, err := parseUpstream(s)
	if err != nil {
		return nil, err
	}
	if up.URL.Scheme == "unix" {
		if tlsConfig != nil {
			return nil, fmt.Errorf("upstream %q: TLS settings need a tcp:// or https:// upstream", s)
		}
		return up, nil
	}
	if strings.HasPrefix(s, "https://") && tlsConfig == nil {
		tlsConfig = &tls.Config{} // the system roots
	}
	if strings.HasPrefix(s, "http://") && tlsConfig != nil {
		return nil, fmt.Errorf("upstream %q: TLS settings with an http:// upstream; use tcp:// or https://", s)
	}
	if tlsConfig != nil {
		up.TLS = tlsConfig
		up.URL.Scheme = "https"
		up.Addr = "https://" + up.URL.Host
	}
	return up, nil
}

func parseUpstream(s string) (*Upstream, error) {
	switch {
	case strings.HasPrefix(s, "unix://"):
		p := strings.TrimPrefix(s, "unix://")
		if p == "" {
			return nil, fmt.Errorf("upstream %q: empty socket path", s)
		}
		return &Upstream{URL: &url.URL{Scheme: "unix", Path: p}, Addr: s}, nil
	case strings.HasPrefix(s, "/"):
		return &Upstream{URL: &url.URL{Scheme: "unix", Path: s}, Addr: "unix://" + s}, nil
	case strings.HasPrefix(s, "tcp://"), strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		u, err := url.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("upstream %q: %v", s, err)
		}
		if u.Port() == "" {
			return nil, fmt.Errorf("upstream %q: missing port", s)
		}
		return &Upstream{URL: &url.URL{Scheme: "http", Host: u.Host}, Addr: "tcp://" + u.Host}, nil
	}
	return nil, fmt.Errorf("upstream %q: want unix:///path, tcp://host:port, http://host:port or https://host:port", s)
}

// Ping sends HEAD /_ping to the daemon and reports an error unless it
// answers 200 within ctx.
func (u *Upstream) Ping(ctx context.Context) error {
	base := u.URL.String()
	if u.URL.Scheme == "unix" {
		base = "http://localhost"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, base+"/_ping", nil)
	if err != nil {
		return err
	}
	res, err := u.Transport.RoundTrip(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("daemon answered %s", res.Status)
	}
	return nil
}

// hidePath removes the daemon's socket path from a message for clients:
// it tells a caller where the socket that controls the host is. The log
// keeps the whole error.
func (u *Upstream) hidePath(msg string) string {
	if u.URL.Scheme != "unix" || u.URL.Path == "" {
		return msg
	}
	return strings.ReplaceAll(msg, u.URL.Path, "(the daemon's socket)")
}
