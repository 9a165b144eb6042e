// Package policy decides which Docker API endpoints a client may call.
//
// A policy is "all", "read-only" (GET and HEAD only) or an allowlist of
// rules "METHOD /path/pattern". Patterns use [path.Match] syntax on the
// path without its /v1.xx version prefix, so "GET /containers/*/json"
// allows /v1.41/containers/abc/json. A method of "*" matches any method.
// HEAD and GET /_ping and GET /version are always allowed: the docker CLI
// calls them before anything else to negotiate the API version.
package policy

import (
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
)

// Policy reports whether a request is allowed.
type Policy struct {
	name  string
	rules []rule // nil with name "all" or "read-only"
}

type rule struct{ method, pattern string }

// Parse builds a policy from its name ("all", "read-only" or "allowlist")
// and, for "allowlist", its rules.
func Parse(name string, rules []string) (*Policy, error) {
	switch name {
	case "all", "read-only":
		if len(rules) > 0 {
			return nil, fmt.Errorf("policy %q takes no allow rules; use policy \"allowlist\"", name)
		}
		return &Policy{name: name}, nil
	case "allowlist":
	default:
		return nil, fmt.Errorf("unknown policy %q (want all, read-only or allowlist)", name)
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("policy allowlist needs at least one rule")
	}
	p := &Policy{name: name}
	for _, s := range rules {
		m, pat, ok := strings.Cut(strings.TrimSpace(s), " ")
		pat = strings.TrimSpace(pat)
		if !ok || !strings.HasPrefix(pat, "/") {
			return nil, fmt.Errorf("bad allow rule %q: want \"METHOD /path/pattern\"", s)
		}
		if _, err := path.Match(pat, ""); err != nil {
			return nil, fmt.Errorf("bad allow rule %q: %v", s, err)
		}
		p.rules = append(p.rules, rule{strings.ToUpper(m), route.Strip(pat)})
	}
	return p, nil
}

// String returns the policy name.
func (p *Policy) String() string { return p.name }

// Allow reports whether method and urlPath may pass.
func (p *Policy) Allow(method, urlPath string) bool {
	clean := route.Strip(path.Clean("/" + urlPath))
	if (method == http.MethodHead || method == http.MethodGet) && (clean == "/_ping" || clean == "/version") {
		return true
	}
	switch p.name {
	case "all":
		return true
	case "read-only":
		return method == http.MethodGet || method == http.MethodHead
	}
	for _, r := range p.rules {
		if r.method != "*" && r.method != method {
			continue
		}
		if ok, _ := path.Match(r.pattern, clean); ok {
			return true
		}
	}
	return false
}
