package policy_test

import (
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/policy"
)

func TestAllow(t *testing.T) {
	ro, err := policy.Parse("read-only", nil)
	if err != nil {
		t.Fatal(err)
	}
	al, err := policy.Parse("allowlist", []string{"GET /containers/*/json", "post /v1.41/images/*/push", "* /info"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		p            *policy.Policy
		method, path string
		want         bool
	}{
		{ro, "GET", "/v1.41/containers/json", true},
		{ro, "POST", "/v1.41/containers/create", false},
		{ro, "HEAD", "/_ping", true},
		{al, "GET", "/v1.41/containers/abc/json", true},
		{al, "GET", "/containers/abc/json", true},
		{al, "GET", "/v1.41/containers/abc/logs", false},
		{al, "POST", "/v1.43/images/big/push", true},
		{al, "DELETE", "/v1.43/images/big", false},
		{al, "PUT", "/info", true},
		{al, "GET", "/v1.41/containers/abc/../../info", true},
		{al, "GET", "/v1.41/containers/x/../../secrets/json", false},
		{al, "HEAD", "/v1.41/_ping", true},
		{al, "GET", "/version", true},
	}
	for _, c := range cases {
		if got := c.p.Allow(c.method, c.path); got != c.want {
			t.Errorf("%s.Allow(%s %s) = %v, want %v", c.p, c.method, c.path, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		rules []string
	}{
		{"some", nil},
		{"allowlist", nil},
		{"allowlist", []string{"GET"}},
		{"allowlist", []string{"GET containers"}},
		{"allowlist", []string{"GET /[x"}},
		{"all", []string{"GET /info"}},
	} {
		if _, err := policy.Parse(c.name, c.rules); err == nil {
			t.Errorf("Parse(%q, %q) succeeded, want error", c.name, c.rules)
		}
	}
}
