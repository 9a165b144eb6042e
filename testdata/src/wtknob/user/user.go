// want package:"sets 1 numeric fields"
// Package user builds servers from confighttp configurations: a
// configuration that leaves a timeout out sets none.
package user

import (
	"net/http/httputil"
	"net/url"
	"time"

	"wtknob/confighttp"
)

var proxy = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "127.0.0.1:2375"})

// ok: the literal leaves both timeouts out, as jaeger's does: zero, no
// deadline.
func literalWithout() {
	cfg := confighttp.ServerConfig{Endpoint: ":4318"}
	_ = cfg.ToServer(proxy)
}

// ok: a zero configuration.
func zeroConfig() {
	var cfg confighttp.ServerConfig
	cfg.Endpoint = ":4318"
	_ = cfg.ToServer(proxy)
}

// ok: set to zero explicitly.
func explicitZero() {
	cfg := &confighttp.ServerConfig{Endpoint: ":4318", WriteTimeout: 0}
	_ = cfg.ToServer(proxy)
}

// The literal sets WriteTimeout: the proxy's responses are cut.
func literalWith() {
	cfg := confighttp.ServerConfig{Endpoint: ":4318", WriteTimeout: time.Minute}
	_ = cfg.ToServer(proxy) // want `ToServer serves proxy \(httputil.ReverseProxy, user.go:\d+\) on a server whose WriteTimeout \(c.WriteTimeout`
}

// The defaults constructor sets WriteTimeout to 30 s.
func defaults() {
	cfg := confighttp.NewDefaultServerConfig()
	_ = cfg.ToServer(proxy) // want `ToServer serves proxy .* WriteTimeout \(c.WriteTimeout`
}

// Set after the literal.
func assignedLater(d time.Duration) {
	cfg := confighttp.ServerConfig{Endpoint: ":4318"}
	cfg.WriteTimeout = d
	_ = cfg.ToServer(proxy) // want `ToServer serves proxy .* WriteTimeout \(c.WriteTimeout`
}

// A configuration handed in: its caller, maybe in another package, decides.
func handedIn(cfg *confighttp.ServerConfig) {
	_ = cfg.ToServer(proxy) // want `ToServer serves proxy .* WriteTimeout \(c.WriteTimeout`
}
