package config_test

import (
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/config"
)

func TestPolicyFlags(t *testing.T) {
	// Without ownership: no daemon here to look up the image's owner.
	c, err := config.Parse([]string{"-policy", "ci-runner", "-allow-bind", "/srv/ci", "-min-api-version", "1.40", "-ownership=false"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	create := func(hostPath string) int {
		r := httptest.NewRequest("POST", "/v1.41/containers/create", strings.NewReader(`{"Image":"x","HostConfig":{"Binds":["`+hostPath+`:/w"]}}`))
		if d := c.Policy.Check(r); d != nil {
			return d.Code
		}
		return 0
	}
	if got := create("/srv/ci/a"); got != 0 {
		t.Errorf("bind under -allow-bind: %d", got)
	}
	if got := create("/etc"); got != 403 {
		t.Errorf("bind of /etc: %d, want 403", got)
	}
	if d := c.Policy.Check(httptest.NewRequest("GET", "/v1.39/info", nil)); d == nil || d.Code != 400 {
		t.Errorf("API 1.39 under -min-api-version 1.40: %v", d)
	}

	for _, args := range [][]string{
		{"-allow", "FETCH /info"},
		{"-allow", "GET /containers//json"},
		{"-policy", "observe", "-min-api-version", "one"},
		{"-policy", "read-write"},
		{"-policy", "ci-runner", "-allow-bind", "srv"},
	} {
		if _, err := config.Parse(args, env(nil), io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestClientPolicies(t *testing.T) {
	file := filepath.Join(t.TempDir(), "clients")
	os.WriteFile(file, []byte("# client  profile  rules\nci-bot ci-runner\ngrafana observe\ndeployer\tobserve  POST /containers/*/restart; POST /containers/*/kill\n"), 0o600)
	c, err := config.Parse([]string{"-policy", "observe", "-client-policies", file}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		client, method, path string
		want                 bool
	}{
		{"ci-bot", "POST", "/v1.41/containers/x/start", true},
		{"grafana", "POST", "/v1.41/containers/x/start", false},
		{"grafana", "GET", "/v1.41/containers/x/json", true},
		{"deployer", "POST", "/v1.41/containers/x/restart", true},
		{"deployer", "POST", "/v1.41/containers/x/kill", true},
		{"deployer", "POST", "/v1.41/containers/x/start", false},
	} {
		p := c.ClientPolicies[k.client]
		if p == nil {
			t.Fatalf("no policy for %s", k.client)
		}
		if got := p.Allow(k.method, k.path); got != k.want {
			t.Errorf("%s (%s): %s %s = %v", k.client, p, k.method, k.path, got)
		}
	}
	os.WriteFile(file, []byte("a observe\na ci-runner\n"), 0o600)
	if _, err := config.Parse([]string{"-client-policies", file}, env(nil), io.Discard); err == nil {
		t.Error("a client named twice accepted")
	}
	os.WriteFile(file, []byte("a observer\n"), 0o600)
	if _, err := config.Parse([]string{"-client-policies", file}, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("unknown profile: %v", err)
	}
}
