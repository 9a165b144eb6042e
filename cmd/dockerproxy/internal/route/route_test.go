package route_test

import (
	"net/http/httptest"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
)

func TestStrip(t *testing.T) {
	for in, want := range map[string]string{
		"/v1.41/containers/json": "/containers/json",
		"/v1/info":               "/info",
		"/_ping":                 "/_ping",
		"/version":               "/version",
		"/v1.41":                 "/v1.41",
		"/vx/info":               "/vx/info",
	} {
		if got := route.Strip(in); got != want {
			t.Errorf("Strip(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		method, target string
		upgrade        bool
		want           route.Class
	}{
		{"GET", "/v1.41/events", false, route.Idle},
		{"GET", "/v1.41/containers/abc/logs?follow=1&stdout=1", false, route.Idle},
		{"GET", "/v1.41/containers/abc/logs?stdout=1", false, route.Bulk},
		{"GET", "/containers/abc/stats", false, route.Idle},
		{"GET", "/containers/abc/stats?stream=0", false, route.Short},
		{"POST", "/v1.41/containers/abc/wait?condition=next-exit", false, route.Idle},
		{"POST", "/v1.41/containers/abc/attach?stream=1", true, route.Upgrade},
		{"POST", "/v1.41/exec/abc/start", true, route.Upgrade},
		{"POST", "/session", true, route.Upgrade},
		{"POST", "/v1.41/images/create?fromImage=x", false, route.Progress},
		{"POST", "/v1.41/images/127.0.0.1:5000/big/push?tag=1", false, route.Progress},
		{"POST", "/v1.41/build?t=x", false, route.Progress},
		{"GET", "/v1.41/images/get?names=x", false, route.Bulk},
		{"GET", "/v1.41/images/x/get", false, route.Bulk},
		{"POST", "/v1.41/images/load", false, route.Bulk},
		{"GET", "/v1.41/containers/abc/export", false, route.Bulk},
		{"PUT", "/v1.41/containers/abc/archive?path=/", false, route.Bulk},
		{"GET", "/v1.41/containers/json", false, route.Short},
		{"HEAD", "/_ping", false, route.Short},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, c.target, nil)
		if c.upgrade {
			r.Header.Set("Connection", "Upgrade")
			r.Header.Set("Upgrade", "tcp")
		}
		if got := route.Classify(r); got != c.want {
			t.Errorf("Classify(%s %s) = %v, want %v", c.method, c.target, got, c.want)
		}
	}
}
