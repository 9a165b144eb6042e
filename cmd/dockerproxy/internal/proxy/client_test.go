package proxy_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/policy"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/proxy"
)

// TestTokenNamesTheClient: each named token is accepted, the scheme is
// matched case-insensitively as RFC 9110 says (the old code required
// "Bearer " exactly), and the token's name is in the request's log
// records.
func TestTokenNamesTheClient(t *testing.T) {
	const alice, bob = "alice-0123456789abcdef", "bob-0123456789abcdef0"
	var logs syncBuffer
	ro, _ := policy.Parse("read-only", nil)
	d, ts := start(t, proxy.Options{
		Tokens: map[string]string{alice: "alice", bob: "bob"},
		Policy: ro,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	for _, auth := range []string{"Bearer " + alice, "bearer " + alice, "BEARER " + bob} {
		if code, body := do(t, "GET", ts.URL+"/v1.41/info", map[string]string{"Authorization": auth}); code != 200 {
			t.Errorf("%q: %d %s", strings.Fields(auth)[0], code, body)
		}
	}
	for _, auth := range []string{"Bearer", "Bearer nope", "Basic " + alice, alice} {
		if code, _ := do(t, "GET", ts.URL+"/v1.41/info", map[string]string{"Authorization": auth}); code != 401 {
			t.Errorf("Authorization %q: %d, want 401", auth, code)
		}
	}
	if n := len(d.seen()); n != 3 {
		t.Errorf("%d requests reached the daemon, want 3", n)
	}
	if code, _ := do(t, "POST", ts.URL+"/v1.41/containers/create", map[string]string{"Authorization": "Bearer " + bob}); code != 403 {
		t.Errorf("denied POST: %d", code)
	}
	out := logs.String()
	if n := strings.Count(out, "client=alice"); n != 2 {
		t.Errorf("%d records name alice, want 2 (one per request):\n%s", n, out)
	}
	if got := strings.Count(out, "client=bob"); got != 2 {
		t.Errorf("%d records name bob, want 2 (request, denial):\n%s", got, out)
	}
}
