package daemon_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/daemon"
)

// TestCache: answers are reused within the TTL, missing objects are
// asked again, and Forget drops a kind.
func TestCache(t *testing.T) {
	var asked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		switch r.URL.Path {
		case "/containers/web/json":
			io.WriteString(w, `{"Id":"abc","Name":"/web","HostConfig":{},"Config":{"Labels":{"k":"v"}}}`)
		case "/images/app:1/json":
			io.WriteString(w, `{"Id":"sha256:1","RepoTags":["app:1"],"Config":{"Labels":{"k":"i"}}}`)
		default:
			http.Error(w, `{"message":"no such thing"}`, http.StatusNotFound)
		}
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	r := daemon.New(http.DefaultTransport, u, time.Minute)
	l := r.For(context.Background())
	for i := 0; i < 3; i++ {
		c, err := l.Container("web")
		if err != nil || c.ID != "abc" || c.Labels["k"] != "v" {
			t.Fatalf("%+v %v", c, err)
		}
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("3 lookups within the TTL asked %d times", n)
	}
	for i := 0; i < 2; i++ {
		if _, err := l.Container("ghost"); !errors.Is(err, bodyrule.ErrNotFound) {
			t.Errorf("missing: %v", err)
		}
	}
	if n := asked.Load(); n != 3 {
		t.Errorf("a missing container was cached (%d requests)", n)
	}
	if img, err := l.Image("app:1"); err != nil || img.Labels["k"] != "i" {
		t.Errorf("image: %+v %v", img, err)
	}
	l.Forget(bodyrule.KindContainer)
	l.Container("web")
	l.Image("app:1")
	if n := asked.Load(); n != 5 {
		t.Errorf("after Forget(containers): %d requests, want the container asked again and the image not", n)
	}
}
