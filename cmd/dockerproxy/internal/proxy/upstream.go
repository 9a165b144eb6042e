package proxy

import (
	"context"
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
	// Transport dials the daemon; New sets it.
	Transport *http.Transport
	// Addr is the address for humans and logs.
	Addr string
}

// ParseUpstream accepts unix:///path/to/docker.sock, a bare socket path,
// tcp://host:port or http://host:port.
func ParseUpstream(s string) (*Upstream, error) {
	switch {
	case strings.HasPrefix(s, "unix://"):
		p := strings.TrimPrefix(s, "unix://")
		if p == "" {
			return nil, fmt.Errorf("upstream %q: empty socket path", s)
		}
		return &Upstream{URL: &url.URL{Scheme: "unix", Path: p}, Addr: s}, nil
	case strings.HasPrefix(s, "/"):
		return &Upstream{URL: &url.URL{Scheme: "unix", Path: s}, Addr: "unix://" + s}, nil
	case strings.HasPrefix(s, "tcp://"), strings.HasPrefix(s, "http://"):
		u, err := url.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("upstream %q: %v", s, err)
		}
		if u.Port() == "" {
			return nil, fmt.Errorf("upstream %q: missing port", s)
		}
		return &Upstream{URL: &url.URL{Scheme: "http", Host: u.Host}, Addr: "tcp://" + u.Host}, nil
	}
	return nil, fmt.Errorf("upstream %q: want unix:///path, tcp://host:port or http://host:port", s)
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
