package policy_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule/fixed"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/identity"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/owner"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/policy"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
)

// TestOwnershipCoverage: every endpoint of the route table says what it
// names; an endpoint added without a rule would be refused to every
// client but admins.
func TestOwnershipCoverage(t *testing.T) {
	for _, e := range route.Endpoints {
		if !policy.OwnershipRule(e.Method + " " + e.Path) {
			t.Errorf("%s %s has no ownership rule", e.Method, e.Path)
		}
	}
}

type fixedDaemon struct{ s *fixed.State }

func (d fixedDaemon) For(context.Context) bodyrule.Lookup { return d.s }

func of(name string) map[string]string { return map[string]string{owner.Key: name} }

func tenants() *fixed.State {
	hc := &container.HostConfig{NetworkMode: "none"}
	return &fixed.State{
		Containers: []*bodyrule.ContainerInfo{
			{ID: "a1a1a1a1", Name: "/a-web", HostConfig: hc, Labels: of("a")},
			{ID: "b2b2b2b2", Name: "/b-web", HostConfig: hc, Labels: of("b")},
			{ID: "c3c3c3c3", Name: "/exporter", HostConfig: hc},
		},
		Execs: []*bodyrule.ExecInfo{{ID: "execa", ContainerID: "a1a1a1a1"}, {ID: "execb", ContainerID: "b2b2b2b2"}},
		Nets: []bodyrule.NetworkInfo{
			{ID: "aaaanet000", Name: "a-net", Driver: "bridge", Labels: of("a")},
			{ID: "bbbbnet000", Name: "b-net", Driver: "bridge", Labels: of("b")},
			{ID: "ffffbridge", Name: "bridge", Driver: "bridge"},
		},
		Images: []*bodyrule.ImageInfo{
			{ID: "sha256:aaaa0001", RepoTags: []string{"a/app:1"}, Labels: of("a")},
			{ID: "sha256:bbbb0002", RepoTags: []string{"b/app:1"}, Labels: of("b")},
			{ID: "sha256:cccc0003", RepoTags: []string{"busybox:local"}},
		},
		Volumes: []*bodyrule.VolumeInfo{{Name: "a-vol", Labels: of("a")}, {Name: "b-vol", Labels: of("b")}},
		Objects: map[string][]*bodyrule.ObjectInfo{
			bodyrule.KindService: {{ID: "svca", Name: "a-svc", Labels: of("a")}, {ID: "svcb", Name: "b-svc", Labels: of("b")}},
			bodyrule.KindTask:    {{ID: "taskb", Labels: of("b")}},
		},
	}
}

// owned returns the policy name with ownership, its clients admin when
// admin, looking objects up in s.
func owned(t *testing.T, name string, admin bool, s *fixed.State) *policy.Policy {
	p := must(t, policy.Options{Name: name, Ownership: true, Admin: admin})
	p.UseDaemon(fixedDaemon{s})
	return p
}

func checkAs(p *policy.Policy, client, method, target, body string) (*policy.Denial, *http.Request) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if client != "-" {
		r = r.WithContext(identity.With(r.Context(), client))
	}
	return p.Check(r), r
}

func TestOwnedPaths(t *testing.T) {
	for _, c := range []struct {
		client, method, target string
		code                   int    // 0: allowed
		path                   string // the path forwarded, when allowed
	}{
		{"a", "POST", "/v1.41/containers/a-web/exec", 0, "/v1.41/containers/a1a1a1a1/exec"},
		{"a", "POST", "/v1.41/containers/a1a1/kill", 0, "/v1.41/containers/a1a1a1a1/kill"},
		{"b", "POST", "/v1.41/containers/a-web/exec", 403, ""},
		{"b", "POST", "/containers/a-web/attach?stream=1&stdin=1", 403, ""},
		{"b", "GET", "/v1.41/containers/a-web/archive?path=/etc", 403, ""},
		{"b", "PUT", "/v1.41/containers/a-web/archive?path=/", 403, ""},
		{"b", "GET", "/v1.41/containers/a-web/logs", 403, ""},
		{"b", "DELETE", "/v1.41/containers/a-web?force=1", 403, ""},
		{"b", "GET", "/v1.41/containers/a-web/json", 403, ""},
		{"b", "POST", "/v1.41/containers/a-web/rename?name=x", 403, ""},
		{"a", "GET", "/v1.41/containers/nothere/json", 404, ""},
		{"a", "POST", "/v1.41/exec/execa/start", 0, "/v1.41/exec/execa/start"},
		{"a", "POST", "/v1.41/exec/execb/start", 403, ""},
		{"a", "GET", "/v1.41/exec/execb/json", 403, ""},
		{"a", "DELETE", "/v1.41/images/a/app:1", 0, "/v1.41/images/a/app:1"},
		{"a", "DELETE", "/v1.41/images/b/app:1", 403, ""},
		{"a", "DELETE", "/v1.41/images/busybox:local", 403, ""},
		{"a", "DELETE", "/v1.41/images/aaaa", 0, "/v1.41/images/sha256:aaaa0001"},
		{"a", "GET", "/v1.41/images/busybox:local/json", 0, ""},
		{"a", "GET", "/v1.41/images/b/app:1/json", 403, ""},
		{"a", "POST", "/v1.41/images/b/app:1/push", 403, ""},
		{"a", "POST", "/v1.41/images/a/app/push?tag=1", 0, ""},
		{"a", "POST", "/v1.41/images/a/app:1/tag?repo=a/app&tag=2", 0, ""},
		{"a", "POST", "/v1.41/images/a/app:1/tag?repo=b/app&tag=1", 403, ""},
		{"a", "POST", "/v1.41/images/busybox:local/tag?repo=postgres&tag=15", 403, ""},
		{"a", "GET", "/v1.41/images/get?names=a/app:1&names=b/app:1", 403, ""},
		{"a", "GET", "/v1.41/networks/a-net", 0, "/v1.41/networks/aaaanet000"},
		{"a", "GET", "/v1.41/networks/b-net", 403, ""},
		{"a", "POST", "/v1.41/networks/b-net/connect", 403, ""},
		{"a", "POST", "/v1.41/networks/bridge/disconnect", 0, ""},
		{"a", "DELETE", "/v1.41/networks/bridge", 403, ""},
		{"a", "GET", "/v1.41/volumes/b-vol", 403, ""},
		{"a", "DELETE", "/v1.41/volumes/a-vol", 0, ""},
		{"a", "GET", "/v1.41/services/b-svc", 403, ""},
		{"a", "GET", "/v1.41/services/a-svc", 0, "/v1.41/services/svca"},
		{"a", "GET", "/v1.41/tasks/taskb/logs", 403, ""},
		{"a", "POST", "/v1.41/plugins/x/enable", 403, ""},
		{"a", "GET", "/v1.41/info", 0, ""},
		{"a", "HEAD", "/_ping", 0, ""},
		// Without identity: the objects without the label.
		{"-", "POST", "/v1.41/containers/exporter/exec", 0, "/v1.41/containers/c3c3c3c3/exec"},
		{"-", "POST", "/v1.41/containers/a-web/exec", 403, ""},
		{"-", "DELETE", "/v1.41/images/busybox:local", 0, ""},
	} {
		body := ""
		switch {
		case strings.HasSuffix(c.target, "/exec"), strings.HasSuffix(c.target, "/start"):
			body = `{}`
		case strings.HasSuffix(c.target, "connect"):
			body = `{"Container":"a-web"}`
		}
		d, r := checkAs(owned(t, "full", false, tenants()), c.client, c.method, c.target, body)
		code := 0
		if d != nil {
			code = d.Code
		}
		if code != c.code {
			t.Errorf("%s: %s %s = %v, want %d", c.client, c.method, c.target, d, c.code)
			continue
		}
		if code == 0 && c.path != "" && r.URL.Path != c.path {
			t.Errorf("%s: %s %s forwarded as %s, want %s", c.client, c.method, c.target, r.URL.Path, c.path)
		}
	}
	// An admin reaches every object, as named.
	for _, target := range []string{"/v1.41/containers/b-web/exec", "/v1.41/exec/execb/start"} {
		if d, r := checkAs(owned(t, "full", true, tenants()), "ops", "POST", target, `{}`); d != nil || r.URL.Path != target {
			t.Errorf("admin: %s: %v %s", target, d, r.URL.Path)
		}
	}
	// Ownership off: as before.
	off := must(t, policy.Options{Name: "full"})
	if d, _ := checkAs(off, "b", "POST", "/v1.41/containers/a-web/kill", ""); d != nil {
		t.Errorf("ownership off: %v", d)
	}
}

func TestOwnedQueries(t *testing.T) {
	label := owner.Key + "=a"
	for _, c := range []struct {
		client, method, target string
		code                   int
		want                   url.Values // parameters of the forwarded query
	}{
		{"a", "GET", "/v1.41/containers/json?all=1", 0, url.Values{"filters": {`{"label":{"` + label + `":true}}`}}},
		{"a", "GET", `/v1.41/containers/json?filters={"label":["x=y"],"status":["exited"]}`, 0, url.Values{"filters": {`{"label":{"` + label + `":true,"x=y":true},"status":{"exited":true}}`}}},
		{"a", "GET", `/v1.41/images/json?filters=nonsense`, 400, nil},
		{"a", "GET", "/v1.41/volumes", 0, url.Values{"filters": {`{"label":{"` + label + `":true}}`}}},
		{"a", "POST", "/v1.41/containers/prune", 0, url.Values{"filters": {`{"label":{"` + label + `":true}}`}}},
		{"-", "POST", "/v1.41/volumes/prune", 0, url.Values{"filters": {`{"label!":{"` + owner.Key + `":true}}`}}},
		// A client without identity: no daemon filter selects what has no
		// label; the answer is filtered, and the limit applied after.
		{"-", "GET", "/v1.41/containers/json?limit=2", 0, url.Values{"all": {"1"}, "limit": nil}},
		{"a", "POST", "/v1.41/commit?container=a-web&repo=a/c&tag=1", 0, url.Values{"container": {"a1a1a1a1"}, "changes": {`LABEL ` + owner.Key + `="a"`}}},
		{"a", "POST", "/v1.41/commit?container=a-web&changes=LABEL+x=1", 0, url.Values{"changes": {"LABEL x=1", `LABEL ` + owner.Key + `="a"`}}},
		{"a", "POST", "/v1.41/commit?container=a-web&changes=LABEL+x=1+%5C", 403, nil},
		{"a", "POST", "/v1.41/commit?container=a-web&changes=LABEL+x=1%0ALABEL+y=2", 403, nil},
		{"a", "POST", "/v1.41/commit?container=b-web", 403, nil},
		{"a", "POST", "/v1.41/commit?container=a-web&repo=b/app&tag=1", 403, nil},
		{"a", "POST", `/v1.41/build?t=a/app:2&labels={"x":"y"}`, 0, url.Values{"labels": {`{"` + owner.Key + `":"a","x":"y"}`}}},
		{"a", "POST", `/v1.41/build?labels={"` + owner.Key + `":"b"}`, 403, nil},
		{"a", "POST", "/v1.41/build?t=a/app:2&t=b/app:1", 403, nil},
		{"a", "POST", "/v1.41/build?t=busybox:local", 403, nil},
		{"a", "POST", `/v1.41/build?cachefrom=["b/app:1"]`, 403, nil},
		// The cache comes from the client's images only (and shared ones it
		// names); without them, from none.
		{"a", "POST", "/v1.41/build", 0, url.Values{"cachefrom": {`["sha256:aaaa0001","sha256:0000000000000000000000000000000000000000000000000000000000000000"]`}}},
		{"a", "POST", `/v1.41/build?cachefrom=["busybox:local"]`, 0, url.Values{"cachefrom": {`["busybox:local","sha256:aaaa0001","sha256:0000000000000000000000000000000000000000000000000000000000000000"]`}}},
		{"a", "POST", "/v1.41/build?networkmode=a-net", 0, url.Values{"networkmode": {"aaaanet000"}}},
		{"a", "POST", "/v1.41/build?networkmode=b-net", 403, nil},
		{"a", "POST", "/v1.41/build?networkmode=container:b-web", 403, nil},
		{"a", "POST", "/v1.41/images/create?fromImage=busybox&tag=local", 0, nil},
		{"a", "POST", "/v1.41/images/create?fromImage=b/app&tag=1", 403, nil},
		{"a", "POST", "/v1.41/images/create?fromImage=b/app", 403, nil},
		{"a", "POST", "/v1.41/images/create?fromImage=b/app@sha256:00", 0, nil},
		{"a", "POST", "/v1.41/images/create?fromSrc=-&repo=a/imp&tag=1", 0, url.Values{"changes": {`LABEL ` + owner.Key + `="a"`}}},
		{"a", "POST", "/v1.41/images/create?fromSrc=-&repo=b/app&tag=1", 403, nil},
	} {
		// Without a body: a build context is checked as it streams, not here.
		d, r := checkAs(owned(t, "full", false, tenants()), c.client, c.method, c.target, "")
		code := 0
		if d != nil {
			code = d.Code
		}
		if code != c.code {
			t.Errorf("%s: %s %s = %v, want %d", c.client, c.method, c.target, d, c.code)
			continue
		}
		q := r.URL.Query()
		for k, v := range c.want {
			if strings.Join(q[k], "\n") != strings.Join(v, "\n") {
				t.Errorf("%s %s: %s = %q, want %q", c.method, c.target, k, q[k], v)
			}
		}
	}
}

// daemonAnswers serves fixed answers as dockerd would, on a real
// listener, for the response filters.
func daemonAnswers(t *testing.T, answers map[string]string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[route.Strip(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/events") {
			for _, line := range strings.Split(a, "\n") {
				io.WriteString(w, line+"\n")
				w.(http.Flusher).Flush()
			}
			return
		}
		io.WriteString(w, a)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestOwnedAnswers(t *testing.T) {
	lb := func(n string) string { return `"Labels":{"` + owner.Key + `":"` + n + `"}` }
	base := daemonAnswers(t, map[string]string{
		"/containers/json":     `[{"Id":"1",` + lb("a") + `},{"Id":"2",` + lb("b") + `},{"Id":"3","Labels":{}},{"Id":"4","Labels":null}]`,
		"/tasks":               `[{"ID":"t1","Spec":{"ContainerSpec":{` + lb("a") + `}}},{"ID":"t2","Spec":{"ContainerSpec":{` + lb("b") + `}}}]`,
		"/volumes":             `{"Volumes":[{"Name":"v1",` + lb("b") + `},{"Name":"v2"}],"Warnings":null}`,
		"/system/df":           `{"LayersSize":9,"Images":[{"Id":"i1",` + lb("a") + `},{"Id":"i2",` + lb("b") + `}],"Containers":[{"Id":"c1",` + lb("b") + `}],"Volumes":[{"Name":"v1",` + lb("a") + `}],"BuildCache":[{"ID":"x"}]}`,
		"/networks/ffffbridge": `{"Name":"bridge","Id":"ffffbridge","Containers":{"a1a1a1a1":{"Name":"a-web"},"b2b2b2b2":{"Name":"b-web"}}}`,
		"/events": strings.Join([]string{
			`{"Type":"container","Action":"start","Actor":{"ID":"a1","Attributes":{` + lb("a")[10:len(lb("a"))-1] + `,"name":"a-web"}}}`,
			`{"Type":"container","Action":"start","Actor":{"ID":"b2","Attributes":{` + lb("b")[10:len(lb("b"))-1] + `}}}`,
			`{"Type":"network","Action":"create","Actor":{"ID":"aaaanet000","Attributes":{"name":"a-net"}}}`,
			`{"Type":"network","Action":"create","Actor":{"ID":"bbbbnet000","Attributes":{"name":"b-net"}}}`,
			`{"Type":"network","Action":"connect","Actor":{"ID":"ffffbridge","Attributes":{"container":"b2b2b2b2"}}}`,
			`{"Type":"volume","Action":"create","Actor":{"ID":"a-vol","Attributes":{}}}`,
			`{"Type":"container","Action":"prune","Actor":{"ID":"","Attributes":{}}}`,
			`{"Type":"daemon","Action":"reload","Actor":{"ID":"d","Attributes":{}}}`,
		}, "\n"),
	})
	rt := policy.FilterResponses(http.DefaultTransport)
	get := func(client, path string) string {
		t.Helper()
		p := owned(t, "full", false, tenants())
		d, r := checkAs(p, client, "GET", base+path, "")
		if d != nil {
			t.Fatalf("%s: %v", path, d)
		}
		out := r.Clone(r.Context())
		out.RequestURI = ""
		res, err := rt.RoundTrip(out)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.ContentLength >= 0 && res.ContentLength != int64(len(b)) {
			t.Errorf("%s: Content-Length %d for %d bytes", path, res.ContentLength, len(b))
		}
		return string(b)
	}
	for _, c := range []struct {
		client, path string
		has, hasnt   []string
	}{
		{"-", "/v1.41/containers/json?limit=1", []string{`"Id":"3"`}, []string{`"Id":"1"`, `"Id":"2"`, `"Id":"4"`}},
		{"-", "/v1.41/containers/json", []string{`"Id":"3"`, `"Id":"4"`}, []string{`"Id":"1"`}},
		{"a", "/v1.41/tasks", []string{"t1"}, []string{"t2"}},
		{"-", "/v1.41/volumes", []string{"v2", `"Warnings":null`}, []string{"v1"}},
		{"a", "/v1.41/system/df", []string{"i1", `"Volumes":[{"Name":"v1"`, `"BuildCache":[{"ID":"x"}]`, `"Containers":[]`}, []string{"i2", "c1"}},
		{"a", "/v1.41/networks/bridge", []string{"a-web"}, []string{"b-web"}},
		{"a", "/v1.41/events", []string{`"a-web"`, `"a-net"`, `"a-vol"`, `"daemon"`}, []string{`"b-net"`, `"b2"`, "b2b2b2b2", "prune"}},
	} {
		got := get(c.client, c.path)
		for _, h := range c.has {
			if !strings.Contains(got, h) {
				t.Errorf("%s %s: %s, want %s in it", c.client, c.path, got, h)
			}
		}
		for _, h := range c.hasnt {
			if strings.Contains(got, h) {
				t.Errorf("%s %s: %s, want no %s", c.client, c.path, got, h)
			}
		}
	}
}

// TestOwnedLoad: an archive tagging another's image is refused before
// its end reaches the daemon; the client's own loads.
func TestOwnedLoad(t *testing.T) {
	ar := func(label string) []byte {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for _, f := range []struct{ name, body string }{
			{"c.json", `{"config":{"Labels":{"` + owner.Key + `":"` + label + `"}}}`},
			{"manifest.json", `[{"Config":"c.json","RepoTags":["x/y:1"]}]`},
		} {
			tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg})
			io.WriteString(tw, f.body)
		}
		tw.Close()
		return b.Bytes()
	}
	for _, c := range []struct {
		label string
		there bool // x/y:1 already names the archive's image
		ok    bool
	}{{"a", false, true}, {"b", false, false}, {"", false, false}, {"", true, true}, {"b", true, true}} {
		s := tenants()
		if c.there {
			cfg := `{"config":{"Labels":{"` + owner.Key + `":"` + c.label + `"}}}`
			sum := sha256.Sum256([]byte(cfg))
			s.Images = append(s.Images, &bodyrule.ImageInfo{ID: "sha256:" + hex.EncodeToString(sum[:]), RepoTags: []string{"x/y:1"}, Labels: map[string]string{owner.Key: c.label}})
		}
		d, r := checkAs(owned(t, "full", false, s), "a", "POST", "/v1.41/images/load", string(ar(c.label)))
		if d != nil {
			t.Fatal(d)
		}
		_, err := io.ReadAll(r.Body)
		var denial *policy.Denial
		if c.ok != (err == nil) || (!c.ok && (!errors.As(err, &denial) || denial.Code != 403)) {
			t.Errorf("an archive labelled %q (already there: %v): %v, want ok %v", c.label, c.there, err, c.ok)
		}
	}
}
