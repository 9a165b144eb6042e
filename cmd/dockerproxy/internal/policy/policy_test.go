package policy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/policy"
)

func must(t *testing.T, o policy.Options) *policy.Policy {
	t.Helper()
	p, err := policy.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAllow(t *testing.T) {
	ro := must(t, policy.Options{Name: "read-only"})
	al := must(t, policy.Options{Name: "allowlist", Allow: []string{"GET /containers/*/json", "post /v1.41/images/*/push", "* /info"}})
	cases := []struct {
		p            *policy.Policy
		method, path string
		want         bool
	}{
		{ro, "GET", "/v1.41/containers/json", true},
		{ro, "POST", "/v1.41/containers/create", false},
		{ro, "HEAD", "/_ping", true},
		// What the endpoint does, not its method: a websocket attach
		// types into the container, export and archive read its files,
		// search and distribution make dockerd fetch URLs.
		{ro, "GET", "/v1.41/containers/abc/attach/ws", false},
		{ro, "GET", "/containers/abc/export", false},
		{ro, "GET", "/containers/abc/archive", false},
		{ro, "GET", "/images/search", false},
		{ro, "GET", "/v1.41/distribution/busybox/json", false},
		{ro, "GET", "/debug/pprof/heap", false},
		{ro, "GET", "/swarm", false},
		{ro, "GET", "/v1.41.0/containers/json", true},
		{al, "GET", "/v1.41/containers/abc/json", true},
		{al, "GET", "/containers/abc/json", true},
		{al, "GET", "/v1.41/containers/abc/logs", false},
		{al, "POST", "/v1.43/images/big/push", true},
		{al, "DELETE", "/v1.43/images/big", false},
		{al, "PUT", "/info", true},
		// dockerd answers an unclean path with a redirect, not a route.
		{al, "GET", "/v1.41/containers/abc/../../info", false},
		{al, "GET", "/v1.41/containers/x/../../secrets/json", false},
		{al, "HEAD", "/v1.41/_ping", true},
		{al, "GET", "/version", true},
		{al, "GET", "/v1.41.0/containers/abc/json", true},
	}
	for _, c := range cases {
		if got := c.p.Allow(c.method, c.path); got != c.want {
			t.Errorf("%s.Allow(%s %s) = %v, want %v", c.p, c.method, c.path, got, c.want)
		}
	}
}

// TestVersionPrefixOverMatch: a rule starting with a wildcard saw
// /v1.41.0/... unstripped, and so matched paths it was not meant for.
func TestVersionPrefixOverMatch(t *testing.T) {
	p := must(t, policy.Options{Name: "allowlist", Allow: []string{"GET /*/containers/json"}})
	if p.Allow("GET", "/v1.41.0/containers/json") {
		t.Error("GET /*/containers/json allows /v1.41.0/containers/json, which dockerd routes as /containers/json")
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
		{"allowlist", []string{"FETCH /info"}},
		{"allowlist", []string{"GETT /info"}},
		{"allowlist", []string{"GET /containers//json"}},
		{"allowlist", []string{"GET /containers/json/"}},
		{"allowlist", []string{"GET /containers/json?all=1"}},
		{"all", []string{"GET /info"}},
	} {
		if _, err := policy.Parse(c.name, c.rules); err == nil {
			t.Errorf("Parse(%q, %q) succeeded, want error", c.name, c.rules)
		}
	}
	if _, err := policy.New(policy.Options{Name: "observe", MinAPIVersion: "1.x"}); err == nil {
		t.Error("minimum version 1.x accepted")
	}
	if _, err := policy.Parse("observe", []string{"POST /containers/*/restart", "get /info", "* /x/?"}); err != nil {
		t.Errorf("a profile with allow rules: %v", err)
	}
}

type req struct {
	method, target, body string
	header               map[string]string
	chunked              bool
}

func check(p *policy.Policy, c req) (*policy.Denial, *http.Request) {
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	r := httptest.NewRequest(c.method, c.target, body)
	if c.chunked {
		r.ContentLength = -1
		r.TransferEncoding = []string{"chunked"}
		r.Header.Set("Transfer-Encoding", "chunked")
	}
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	return p.Check(r), r
}

func TestCheck(t *testing.T) {
	ci := must(t, policy.Options{Name: "ci-runner", Body: bodyrule.Options{BindPaths: []string{"/srv/ci"}}})
	obs := must(t, policy.Options{Name: "observe"})
	al := must(t, policy.Options{Name: "allowlist", Allow: []string{"POST /containers/*/start", "POST /containers/create"}})
	all := must(t, policy.Options{Name: "all"})
	ws := map[string]string{"Connection": "Upgrade", "Upgrade": "websocket"}
	tcp := map[string]string{"Connection": "Upgrade", "Upgrade": "tcp"}
	cases := []struct {
		p    *policy.Policy
		r    req
		code int // 0: allowed
	}{
		{obs, req{method: "GET", target: "/v1.41/containers/json"}, 0},
		{obs, req{method: "GET", target: "/v1.41/containers/abc/attach/ws?stdin=1&stream=1", header: ws}, 403},
		{obs, req{method: "GET", target: "/v1.41/containers/abc/logs?follow=1", header: tcp}, 403},
		{ci, req{method: "GET", target: "/v1.41/containers/abc/attach/ws?stdin=1&stream=1", header: ws}, 0},
		{ci, req{method: "POST", target: "/v1.41/containers/abc/attach?stdin=1&stream=1", header: tcp}, 0},
		// Old API versions: start with a HostConfig body.
		{al, req{method: "POST", target: "/v1.23/containers/abc/start", body: `{"Binds":["/:/host"],"Privileged":true}`}, 400},
		{al, req{method: "POST", target: "/v1.23.9/containers/abc/start"}, 400},
		{al, req{method: "POST", target: "/v1.24/containers/abc/start", body: `{"Binds":["/:/host"]}`}, 400},
		{al, req{method: "POST", target: "/v1.24/containers/abc/start", body: `{}`, chunked: true}, 400},
		{al, req{method: "POST", target: "/v1.24/containers/abc/start"}, 0},
		{al, req{method: "POST", target: "/v1.41.0/containers/abc/start"}, 0},
		{al, req{method: "POST", target: "/containers/abc/start"}, 0},
		{all, req{method: "POST", target: "/v1.23/containers/abc/start", body: `{"Privileged":true}`}, 0},
		// Bodies.
		{al, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox","HostConfig":{"Privileged":true}}`}, 403},
		{al, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox","HostConfig":{"privileged":true}}`}, 403},
		{al, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox","Privileged":true}`}, 403},
		{al, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox","HostConfig":{"Privileged":false,"Privileged":true}}`}, 400},
		{al, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox","HostConfig":{"Privileged":false,"privileged":true}}`}, 400},
		{al, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox","HostConfig":{"Privileged":true}}`, chunked: true}, 403},
		{al, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox"`}, 400},
		{al, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox"} {"HostConfig":{"Privileged":true}}`}, 400},
		{al, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox","HostConfig":{"NetworkMode":"none"}}`}, 0},
		{al, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox","HostConfig":{"Privileged":true}}`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 400},
		{ci, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox","HostConfig":{"Binds":["/srv/ci/job1:/work"]}}`}, 0},
		{ci, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox","HostConfig":{"Binds":["/srv/ci/../../etc:/work"]}}`}, 403},
		{ci, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox","HostConfig":{"Binds":["/srv/cix:/work"]}}`}, 403},
		{ci, req{method: "POST", target: "/v1.41/containers/create", body: `{"Image":"busybox","HostConfig":{"Binds":["cache:/work"]}}`}, 0},
		{ci, req{method: "POST", target: "/v1.41/containers/abc/exec", body: `{"Cmd":["sh"],"Privileged":true}`}, 403},
		{ci, req{method: "POST", target: "/v1.41/containers/abc/exec", body: `{"Cmd":["sh"]}`}, 0},
		{ci, req{method: "POST", target: "/v1.41/build?networkmode=host"}, 403},
		{ci, req{method: "POST", target: "/v1.41/build?networkmode=HOST"}, 403},
		{ci, req{method: "POST", target: "/v1.41/build?remote=http://10.0.0.1/ctx.tar"}, 403},
		{ci, req{method: "POST", target: "/v1.41/build?t=x&networkmode=none", body: "tar..."}, 0},
		{ci, req{method: "POST", target: "/v1.41/build?t=x;networkmode=host"}, 400},
		{ci, req{method: "POST", target: "/v1.41/images/create?fromSrc=http://169.254.169.254/"}, 403},
		{ci, req{method: "POST", target: "/v1.41/images/create?fromImage=busybox&tag=latest"}, 0},
		{ci, req{method: "POST", target: "/v1.41/volumes/create", body: `{"Name":"x","DriverOpts":{"type":"none","o":"bind","device":"/"}}`}, 403},
		{ci, req{method: "GET", target: "/debug/vars"}, 403},
		{ci, req{method: "POST", target: "/v1.41/containers/abc/start?checkpoint=c1&checkpoint-dir=/etc"}, 403},
		{must(t, policy.Options{Name: "full"}), req{method: "POST", target: "/v1.41/containers/abc/checkpoints", body: `{"CheckpointID":"c","CheckpointDir":"/root"}`}, 403},
		{ci, req{method: "GET", target: "/v1.41/containers/json", body: "x"}, 400},
	}
	for _, c := range cases {
		d, r := check(c.p, c.r)
		code := 0
		if d != nil {
			code = d.Code
		}
		if code != c.code {
			t.Errorf("%s: %s %s %s = %v, want %d", c.p, c.r.method, c.r.target, c.r.body, d, c.code)
			continue
		}
		if d == nil && c.p != all && c.r.body != "" && r.ContentLength != int64(len(c.r.body)) && !strings.HasPrefix(c.r.target, "/v1.41/build") {
			t.Errorf("%s %s: ContentLength %d after the check, want %d", c.r.method, c.r.target, r.ContentLength, len(c.r.body))
		}
	}
}

// TestForwardsCheckedBytes: a chunked body is read, decided on and
// forwarded as the same bytes with a Content-Length.
func TestForwardsCheckedBytes(t *testing.T) {
	p := must(t, policy.Options{Name: "ci-runner"})
	body := `{"Image":"busybox","HostConfig":{"NetworkMode":"none"}}`
	d, r := check(p, req{method: "POST", target: "/v1.41/containers/create", body: body, chunked: true})
	if d != nil {
		t.Fatal(d)
	}
	got, _ := io.ReadAll(r.Body)
	if string(got) != body || r.ContentLength != int64(len(body)) || len(r.TransferEncoding) != 0 || r.Header.Get("Transfer-Encoding") != "" {
		t.Fatalf("forwarded %q, Content-Length %d, Transfer-Encoding %v", got, r.ContentLength, r.TransferEncoding)
	}
}

func TestProfilesNest(t *testing.T) {
	in := func(name string) map[string]bool {
		m := map[string]bool{}
		for _, e := range policy.Endpoints(name) {
			m[e] = true
		}
		return m
	}
	order := []string{"observe", "build-push", "ci-runner", "full"}
	for i := 1; i < len(order); i++ {
		big := in(order[i])
		for e := range in(order[i-1]) {
			if !big[e] {
				t.Errorf("%s allows %s but %s does not", order[i-1], e, order[i])
			}
		}
	}
	for _, e := range policy.Endpoints("full") {
		if strings.Contains(e, "/debug") || e == "POST /grpc" || e == "POST /plugins/create" {
			t.Errorf("full allows %s", e)
		}
	}
}
