package proxy

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Upstream is the daemon the proxy forwards to.
type Upstream struct {
	// URL is the base URL requests are rewritten to; for a unix socket its
	// host is the placeholder "docker".
	URL *url.URL
	// Transport dials the daemon.
	Transport *http.Transport
	// Addr is the address for humans and logs.
	Addr string
}

// ParseUpstream accepts unix:///path/to/docker.sock, a bare socket path,
// tcp://host:port or http://host:port.
func ParseUpstream(s string) (*Upstream, error) {
	var network, addr string
	switch {
	case strings.HasPrefix(s, "unix://"):
		network, addr = "unix", strings.TrimPrefix(s, "unix://")
	case strings.HasPrefix(s, "/"):
		network, addr = "unix", s
	case strings.HasPrefix(s, "tcp://"), strings.HasPrefix(s, "http://"):
		u, err := url.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("upstream %q: %v", s, err)
		}
		network, addr = "tcp", u.Host
		if u.Port() == "" {
			return nil, fmt.Errorf("upstream %q: missing port", s)
		}
	default:
		return nil, fmt.Errorf("upstream %q: want unix:///path, tcp://host:port or http://host:port", s)
	}
	if addr == "" {
		return nil, fmt.Errorf("upstream %q: empty address", s)
	}
	host := addr
	if network == "unix" {
		host = "docker"
	}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		// No ResponseHeaderTimeout: /containers/{id}/wait answers when the
		// container exits, which may be hours later.
		DisableCompression: true,
		ForceAttemptHTTP2:  false,
		WriteBufferSize:    256 << 10,
		ReadBufferSize:     256 << 10,
	}
	return &Upstream{URL: &url.URL{Scheme: "http", Host: host}, Transport: tr, Addr: network + "://" + addr}, nil
}

// Ping sends HEAD /_ping to the daemon and reports an error unless it
// answers 200 within ctx.
func (u *Upstream) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.URL.String()+"/_ping", nil)
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
