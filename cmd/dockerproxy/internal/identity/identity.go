// Package identity names the client of a request: the name of the bearer
// token it sent, when the token file names its tokens, or else the subject
// common name of its verified client certificate. The name is the key of
// per-client limits and profiles and appears in every log record of the
// request.
//
// A client that presents neither (plain HTTP on loopback, TLS without
// client certificates, a token without a name) has no identity: From
// returns "".
package identity

import (
	"context"
	"crypto/tls"
)

type key struct{}

// With returns a copy of ctx carrying the client name id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From returns the client name carried by ctx, or "" when the client did
// not authenticate.
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// FromTLS returns the subject common name of the client certificate that
// the handshake verified, or "" when there is none. An unverified
// certificate (VerifyClientCertIfGiven without a CA, or no client
// authentication at all) names nobody.
func FromTLS(cs *tls.ConnectionState) string {
	if cs == nil || len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
		return ""
	}
	return cs.VerifiedChains[0][0].Subject.CommonName
}
