package certs

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// Reloader serves the TLS configuration from a set of files and swaps in
// a new one on Reload, so certificates can be renewed without a restart.
// Connections already established keep the configuration they started
// with; a failed Reload keeps the current one.
type Reloader struct {
	certFile, keyFile, caFile string
	cur                       atomic.Pointer[loaded]
}

// loaded is one successful load: the configuration and what the proxy
// reports about it.
type loaded struct {
	cfg  *tls.Config
	info Info
}

// Info describes the loaded serving certificate and client CA.
type Info struct {
	// Names are the DNS names and IP addresses the serving certificate is
	// valid for.
	Names []string
	// ServerNotAfter is when the serving certificate expires.
	ServerNotAfter time.Time
	// ClientCANotAfter is when the first client CA certificate to expire
	// does; zero without client certificates.
	ClientCANotAfter time.Time
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
	var info Info
	leaf := cfg.Certificates[0].Leaf // set by tls.LoadX509KeyPair
	if leaf == nil {
		return fmt.Errorf("load server certificate: no leaf")
	}
	info.ServerNotAfter = leaf.NotAfter
	info.Names = append(info.Names, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		info.Names = append(info.Names, ip.String())
	}
	if r.caFile != "" {
		cas, err := readCerts(r.caFile)
		if err != nil {
			return fmt.Errorf("load client CA: %w", err)
		}
		for _, ca := range cas {
			if info.ClientCANotAfter.IsZero() || ca.NotAfter.Before(info.ClientCANotAfter) {
				info.ClientCANotAfter = ca.NotAfter
			}
		}
	}
	r.cur.Store(&loaded{cfg: cfg, info: info})
	return nil
}

// Info describes what the last successful Reload loaded.
func (r *Reloader) Info() Info { return r.cur.Load().info }

// Config returns the configuration for tls.NewListener: every handshake
// uses whatever the last successful Reload loaded.
func (r *Reloader) Config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return r.cur.Load().cfg, nil
		},
	}
}

// readCerts parses every certificate in a PEM file.
func readCerts(file string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var der []byte
		der, b = nextCertDER(b)
		if der == nil {
			break
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no certificate in %s", file)
	}
	return out, nil
}
