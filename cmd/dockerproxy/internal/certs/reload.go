package certs

import (
	"crypto/tls"
	"sync/atomic"
)

// Reloader serves the TLS configuration from a set of files and swaps in
// a new one on Reload, so certificates can be renewed without a restart.
// Connections already established keep the configuration they started
// with; a failed Reload keeps the current one.
type Reloader struct {
	certFile, keyFile, caFile string
	cur                       atomic.Pointer[tls.Config]
}

// NewReloader loads the files once, and fails if they do not load.
func NewReloader(certFile, keyFile, caFile string) (*Reloader, error) {
	r := &Reloader{certFile: certFile, keyFile: keyFile, caFile: caFile}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload reads the files again.
func (r *Reloader) Reload() error {
	cfg, err := ServerConfig(r.certFile, r.keyFile, r.caFile)
	if err != nil {
		return err
	}
	r.cur.Store(cfg)
	return nil
}

// Config returns the configuration for tls.NewListener: every handshake
// uses whatever the last successful Reload loaded.
func (r *Reloader) Config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return r.cur.Load(), nil
		},
	}
}
