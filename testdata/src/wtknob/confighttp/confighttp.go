// want package:"sets 1 numeric fields"
// Package confighttp is a configuration library in the style of the
// OpenTelemetry collector's: a server built from a struct whose timeouts
// the program sets, or not.
package confighttp

import (
	"net/http"
	"time"
)

// ServerConfig configures a server; zero timeouts mean none.
type ServerConfig struct {
	Endpoint     string
	WriteTimeout time.Duration
}

// NewDefaultServerConfig returns the defaults: a 30 s WriteTimeout.
func NewDefaultServerConfig() ServerConfig {
	return ServerConfig{WriteTimeout: 30 * time.Second}
}

// ToServer serves h with the configured timeouts.
func (c *ServerConfig) ToServer(h http.Handler) *http.Server { // want ToServer:"serves arg0 with WriteTimeout c.WriteTimeout"
	return &http.Server{Handler: h, ReadHeaderTimeout: time.Second, WriteTimeout: c.WriteTimeout}
}
