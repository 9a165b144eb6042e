package identity_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/identity"
)

func TestFrom(t *testing.T) {
	if got := identity.From(context.Background()); got != "" {
		t.Errorf("From(empty context) = %q, want \"\"", got)
	}
	ctx := identity.With(context.Background(), "ci-runner")
	if got := identity.From(ctx); got != "ci-runner" {
		t.Errorf("From = %q, want ci-runner", got)
	}
}

func TestFromTLS(t *testing.T) {
	leaf := &x509.Certificate{Subject: pkix.Name{CommonName: "alice"}}
	for _, tc := range []struct {
		name string
		cs   *tls.ConnectionState
		want string
	}{
		{"no TLS", nil, ""},
		// A certificate the server did not verify names nobody.
		{"unverified", &tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}}, ""},
		{"verified", &tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}, VerifiedChains: [][]*x509.Certificate{{leaf}}}, "alice"},
	} {
		if got := identity.FromTLS(tc.cs); got != tc.want {
			t.Errorf("%s: FromTLS = %q, want %q", tc.name, got, tc.want)
		}
	}
}
