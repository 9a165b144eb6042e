package bodyrule_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/volume"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule/fixed"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/owner"
)

func of(name string) map[string]string { return map[string]string{owner.Key: name} }

// tenants is a daemon two clients share: a's and b's objects, and
// shared ones (no label).
func tenants() *fixed.State {
	hc := &container.HostConfig{NetworkMode: "none"}
	return &fixed.State{
		Containers: []*bodyrule.ContainerInfo{
			{ID: "a1a1a1a1", Name: "/a-web", HostConfig: hc, Labels: of("a")},
			{ID: "b2b2b2b2", Name: "/b-web", HostConfig: hc, Labels: of("b")},
			{ID: "c3c3c3c3", Name: "/exporter", HostConfig: hc},
		},
		Nets: []bodyrule.NetworkInfo{
			{ID: "aaaanet000", Name: "a-net", Driver: "bridge", Labels: of("a")},
			{ID: "bbbbnet000", Name: "b-net", Driver: "bridge", Labels: of("b")},
			{ID: "ffffbridge", Name: "bridge", Driver: "bridge"},
			{ID: "eeeeadmin0", Name: "ops-net", Driver: "bridge"},
		},
		Images: []*bodyrule.ImageInfo{
			{ID: "sha256:aaaa0001", RepoTags: []string{"a/app:1"}, Labels: of("a")},
			{ID: "sha256:bbbb0002", RepoTags: []string{"b/app:1", "postgres:15"}, Labels: of("b")},
			{ID: "sha256:cccc0003", RepoTags: []string{"busybox:local"}},
		},
		Volumes: []*bodyrule.VolumeInfo{
			{Name: "a-vol", Labels: of("a")},
			{Name: "b-vol", Labels: of("b")},
		},
		Objects: map[string][]*bodyrule.ObjectInfo{
			bodyrule.KindSecret: {{ID: "sa", Name: "a-secret", Labels: of("a")}, {ID: "sb", Name: "b-secret", Labels: of("b")}},
		},
	}
}

func asA(s *fixed.State) bodyrule.Options {
	return bodyrule.Options{Lookup: s, Owner: &owner.Client{Name: "a"}}
}

func TestOwnedCreate(t *testing.T) {
	for _, c := range []struct {
		body    string
		refused string   // substring of the refusal; "" allowed
		missing bool     // a 404 (*NotFound)
		has     []string // substrings of the forwarded body
	}{
		{`{"Image":"busybox:local"}`, "", false, []string{`"Labels":{"` + owner.Key + `":"a"}`}},
		{`{"Image":"busybox:local","Labels":{"x":"1"}}`, "", false, []string{`"x":"1"`, `"` + owner.Key + `":"a"`}},
		{`{"Image":"busybox:local","Labels":{"` + owner.Key + `":"b"}}`, "the proxy sets it", false, nil},
		{`{"Image":"a/app:1"}`, "", false, []string{`"Image":"a/app:1"`}},
		// Another's image, under its own name or a squatted one.
		{`{"Image":"b/app:1"}`, "not yours", false, nil},
		{`{"Image":"postgres:15"}`, "not yours", false, nil},
		{`{"Image":"nothere:1"}`, "", true, nil},
		// An ID prefix is pinned: a tag of that name made later would win.
		{`{"Image":"cccc"}`, "", false, []string{`"Image":"sha256:cccc0003"`}},
		{`{"Image":"busybox:local","HostConfig":{"NetworkMode":"a-net"}}`, "", false, []string{`"NetworkMode":"aaaanet000"`}},
		{`{"Image":"busybox:local","HostConfig":{"NetworkMode":"b-net"}}`, "not yours", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"NetworkMode":"ops-net"}}`, "no owner", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"NetworkMode":"bridge"}}`, "", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"NetworkMode":"ghost"}}`, "no such network", false, nil},
		{`{"Image":"busybox:local","NetworkingConfig":{"EndpointsConfig":{"aaaa":{"Aliases":["web"]}}}}`, "", false, []string{`"aaaanet000":{"Aliases":["web"]}`}},
		{`{"Image":"busybox:local","NetworkingConfig":{"EndpointsConfig":{"b-net":{}}}}`, "not yours", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"Binds":["a-vol:/d"]}}`, "", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"Binds":["b-vol:/d"]}}`, "not yours", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"Mounts":[{"Type":"volume","Source":"b-vol","Target":"/d"}]}}`, "not yours", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"Mounts":[{"Type":"volume","Target":"/d"}]}}`, "", false, []string{`"VolumeOptions":{"Labels":{"` + owner.Key + `":"a"}}`}},
		{`{"Image":"busybox:local","HostConfig":{"Mounts":[{"Type":"image","Source":"b/app:1","Target":"/i"}]}}`, "not yours", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"Links":["b-web:db"]}}`, "not yours", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"Links":["/a-web:db"]}}`, "", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"VolumesFrom":["b-web"]}}`, "not yours", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"NetworkMode":"container:b2b2"}}`, "not yours", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"PidMode":"container:exporter"}}`, "no owner", false, nil},
		{`{"Image":"busybox:local","HostConfig":{"NetworkMode":"container:a-web"}}`, "", false, []string{`container:a1a1a1a1`}},
		// Old clients' top-level HostConfig fields are judged too.
		{`{"Image":"busybox:local","NetworkMode":"b-net"}`, "not yours", false, nil},
	} {
		s := tenants()
		out, err := bodyrule.ContainerCreate([]byte(c.body), asA(s))
		var nf *bodyrule.NotFound
		var d *bodyrule.Denied
		switch {
		case c.missing:
			if !errors.As(err, &nf) {
				t.Errorf("%s: %v, want a NotFound", c.body, err)
			}
		case c.refused != "":
			if !errors.As(err, &d) || !strings.Contains(err.Error(), c.refused) {
				t.Errorf("%s: %v, want a refusal with %q", c.body, err, c.refused)
			}
		case err != nil:
			t.Errorf("%s: %v", c.body, err)
		default:
			for _, h := range append(c.has, `"`+owner.Key+`":"a"`) {
				if !strings.Contains(string(out), h) {
					t.Errorf("%s: forwarded %s, want %s in it", c.body, out, h)
				}
			}
			if !json.Valid(out) {
				t.Errorf("%s: forwarded %s", c.body, out)
			}
		}
		if len(s.Created) > 0 {
			t.Errorf("%s: created volumes %v", c.body, s.Created)
		}
	}
}

func TestOwnedCreateMakesVolumes(t *testing.T) {
	s := tenants()
	if _, err := bodyrule.ContainerCreate([]byte(`{"Image":"busybox:local","HostConfig":{"Binds":["cache:/c"],"Mounts":[{"Type":"volume","Source":"m","Target":"/m","VolumeOptions":{"Labels":{"x":"y"}}}]}}`), asA(s)); err != nil {
		t.Fatal(err)
	}
	if len(s.Created) != 2 || s.Created[0].Name != "cache" || s.Created[0].Labels[owner.Key] != "a" || s.Created[1].Labels["x"] != "y" || s.Created[1].Labels[owner.Key] != "a" {
		t.Errorf("created %+v", s.Created)
	}
	// A refused create makes nothing.
	s = tenants()
	if _, err := bodyrule.ContainerCreate([]byte(`{"Image":"b/app:1","HostConfig":{"Binds":["cache:/c"]}}`), asA(s)); err == nil || len(s.Created) != 0 {
		t.Errorf("refused create: %v, created %v", err, s.Created)
	}
	// Another client made the volume meanwhile: the create hands it back,
	// and it is refused.
	s = tenants()
	race := &racing{State: s}
	if _, err := bodyrule.ContainerCreate([]byte(`{"Image":"busybox:local","HostConfig":{"Binds":["cache:/c"]}}`), bodyrule.Options{Lookup: race, Owner: &owner.Client{Name: "a"}}); err == nil || !strings.Contains(err.Error(), "not yours") {
		t.Errorf("a volume made by b between the lookup and the create: %v", err)
	}
}

// racing is a daemon where b creates every volume just before a does.
type racing struct{ *fixed.State }

func (r *racing) CreateVolume(req volume.CreateRequest) (*bodyrule.VolumeInfo, error) {
	return &bodyrule.VolumeInfo{Name: req.Name, Labels: of("b")}, nil
}

func TestOwnedClients(t *testing.T) {
	s := tenants()
	admin := bodyrule.Options{Lookup: s, Owner: &owner.Client{Name: "ops", Admin: true}}
	out, err := bodyrule.ContainerCreate([]byte(`{"Image":"b/app:1","HostConfig":{"NetworkMode":"b-net","Binds":["b-vol:/d"]}}`), admin)
	if err != nil || !strings.Contains(string(out), `"`+owner.Key+`":"ops"`) {
		t.Errorf("admin: %v %s", err, out)
	}
	anon := bodyrule.Options{Lookup: s, Owner: &owner.Client{}}
	out, err = bodyrule.ContainerCreate([]byte(`{"Image":"busybox:local","HostConfig":{"NetworkMode":"ops-net","PidMode":"container:exporter"}}`), anon)
	if err != nil || strings.Contains(string(out), owner.Key) {
		t.Errorf("a client without identity on unlabelled objects: %v %s", err, out)
	}
	if _, err := bodyrule.ContainerCreate([]byte(`{"Image":"a/app:1"}`), anon); err == nil {
		t.Error("a client without identity ran a's image")
	}
}

func TestOwnedOtherBodies(t *testing.T) {
	for _, c := range []struct {
		check   bodyrule.Check
		body    string
		refused string
		has     string
	}{
		{bodyrule.NetworkConnect, `{"Container":"a-web"}`, "", `"Container":"a1a1a1a1"`},
		{bodyrule.NetworkConnect, `{"Container":"b-web"}`, "not yours", ""},
		{bodyrule.NetworkConnect, `{"Container":"a-web","EndpointConfig":{"Links":["b-web"]}}`, "not yours", ""},
		{bodyrule.NetworkDisconnect, `{"Container":"b2b2","Force":true}`, "not yours", ""},
		{bodyrule.NetworkDisconnect, `{"Container":"a1a1"}`, "", `"Container":"a1a1a1a1"`},
		{bodyrule.VolumeCreate, `{"Name":"new"}`, "", `"Labels":{"` + owner.Key + `":"a"}`},
		{bodyrule.VolumeCreate, `{"Name":"b-vol"}`, "not yours", ""},
		{bodyrule.VolumeCreate, `{"Name":"v","Labels":{"` + owner.Key + `":"b"}}`, "the proxy sets it", ""},
		{bodyrule.NetworkCreate, `{"Name":"n2","CheckDuplicate":true}`, "", `"` + owner.Key + `":"a"`},
		{bodyrule.NetworkCreate, `{"Name":"b-net"}`, "a second network", ""},
		{bodyrule.SecretCreate, `{"Name":"s","Data":"eA=="}`, "", `"` + owner.Key + `":"a"`},
		{bodyrule.ConfigCreate, `{"Name":"c","Data":"eA=="}`, "", `"` + owner.Key + `":"a"`},
		{bodyrule.ServiceSpec, `{"Name":"svc","TaskTemplate":{"ContainerSpec":{"Image":"busybox:local","Secrets":[{"SecretID":"sa","SecretName":"a-secret"}]}}}`, "", `"ContainerSpec":{"Image":"busybox:local","Labels":{"` + owner.Key + `":"a"}`},
		{bodyrule.ServiceSpec, `{"Name":"svc","TaskTemplate":{"ContainerSpec":{"Image":"busybox:local","Secrets":[{"SecretID":"sb","SecretName":"b-secret"}]}}}`, "not yours", ""},
		{bodyrule.ServiceSpec, `{"Name":"svc","TaskTemplate":{"ContainerSpec":{"Image":"b/app:1"}}}`, "not yours", ""},
		{bodyrule.ServiceSpec, `{"Name":"svc","TaskTemplate":{"ContainerSpec":{"Image":"registry.example/x:1"}}}`, "", ""},
		{bodyrule.ServiceSpec, `{"Name":"svc","TaskTemplate":{"ContainerSpec":{"Image":"x"},"Networks":[{"Target":"bbbb"}]}}`, "not yours", ""},
		{bodyrule.ServiceSpec, `{"Name":"svc","TaskTemplate":{"ContainerSpec":{"Image":"x","Mounts":[{"Type":"volume","Source":"b-vol","Target":"/d"}]}}}`, "not yours", ""},
		{bodyrule.ServiceSpec, `{"Name":"svc","TaskTemplate":{"ContainerSpec":{"Image":"x","Mounts":[{"Type":"volume","Source":"newvol","Target":"/d"}]}}}`, "", `"VolumeOptions":{"Labels":{"` + owner.Key + `":"a"}}`},
	} {
		out, err := c.check([]byte(c.body), asA(tenants()))
		if c.refused != "" {
			if err == nil || !strings.Contains(err.Error(), c.refused) {
				t.Errorf("%s: %v, want a refusal with %q", c.body, err, c.refused)
			}
			continue
		}
		if err != nil || !strings.Contains(string(out), c.has) || !json.Valid(out) {
			t.Errorf("%s: %v, forwarded %s, want %s in it", c.body, err, out, c.has)
		}
	}
}

func TestTags(t *testing.T) {
	for _, c := range []struct{ ref, want string }{
		{"busybox", "busybox:latest"}, {"docker.io/library/busybox:1", "busybox:1"}, {"docker.io/busybox", "busybox:latest"},
		{"library/busybox", "busybox:latest"}, {"index.docker.io/me/app:2", "me/app:2"}, {"127.0.0.1:5000/x/y", "127.0.0.1:5000/x/y:latest"},
		{"127.0.0.1:5000/x:3", "127.0.0.1:5000/x:3"},
	} {
		if got, ok := bodyrule.FamiliarTag(c.ref); !ok || got != c.want {
			t.Errorf("FamiliarTag(%s) = %s, want %s", c.ref, got, c.want)
		}
	}
	if _, ok := bodyrule.FamiliarTag("x@sha256:00"); ok {
		t.Error("a digest reference moves a tag")
	}
	o := asA(tenants())
	for _, c := range []struct {
		ref  string
		pull bool
		ok   bool
	}{
		{"a/app:1", false, true}, {"new:1", false, true}, {"b/app:1", false, false}, {"postgres:15", true, false},
		{"busybox:local", false, false}, {"busybox:local", true, true},
		// An ID prefix is no tag of that name.
		{"cccc", false, true},
	} {
		if err := bodyrule.FreeTag(c.ref, "t", o, c.pull); (err == nil) != c.ok {
			t.Errorf("FreeTag(%s, pull %v): %v, want ok %v", c.ref, c.pull, err, c.ok)
		}
	}
}

// FuzzOwnedCreate: whatever the bytes, a container create allowed for
// client a, as encoding/json decodes what is forwarded, carries a's
// label, and names no object of b's nor any without an owner (but the
// shared image and dockerd's own networks): its image, networks,
// containers joined or linked and volumes are a's. Run longer with
//
//	go test -run '^$' -fuzz FuzzOwnedCreate -fuzztime 60s ./cmd/dockerproxy/internal/bodyrule/
func FuzzOwnedCreate(f *testing.F) {
	for _, s := range []string{
		`{"Image":"busybox:local","Labels":{"x":"1"}}`,
		`{"Image":"a/app:1","HostConfig":{"NetworkMode":"a-net","Binds":["a-vol:/d","new:/n"],"VolumesFrom":["a-web"],"Links":["a-web:w"]}}`,
		`{"Image":"cccc","NetworkMode":"aaaa","HostConfig":null}`,
		`{"image":"b/app:1","hostconfig":{"networkmode":"container:b-web"}}`,
		`{"Image":"busybox:local","NetworkingConfig":{"EndpointsConfig":{"aaaa":{"Links":["a-web"]}}},"HostConfig":{"Mounts":[{"Type":"volume","Source":"b-vol","Target":"/x"}]}}`,
	} {
		f.Add([]byte(s))
	}
	okContainer := map[string]bool{"a1a1a1a1": true, "a-web": true, "/a-web": true}
	okNetwork := map[string]bool{"": true, "default": true, "bridge": true, "none": true, "aaaanet000": true}
	f.Fuzz(func(t *testing.T, body []byte) {
		s := tenants()
		out, err := bodyrule.ContainerCreate(body, asA(s))
		if err != nil || len(strings.TrimSpace(string(out))) == 0 {
			return
		}
		var w RefWrapper
		if json.Unmarshal(out, &w) != nil {
			t.Fatalf("forwarded %s, which encoding/json does not decode (from %s)", out, body)
		}
		if w.RefConfig == nil || w.RefConfig.Labels[owner.Key] != "a" {
			t.Fatalf("forwarded without a's label: %s", out)
		}
		if img := w.RefConfig.Image; img != "" {
			if i, err := s.Image(img); err == nil && owner.Of(i.Labels) != "a" && owner.Of(i.Labels) != "" {
				t.Fatalf("forwarded another's image %q: %s", img, out)
			}
		}
		for _, hc := range hostConfigs(&w, true) {
			for _, m := range []string{hc.NetworkMode, hc.PidMode, hc.IpcMode, hc.UTSMode, hc.Cgroup} {
				if ref, ok := strings.CutPrefix(strings.TrimSpace(m), "container:"); ok {
					if !okContainer[ref] {
						t.Fatalf("forwarded a join of %q: %s", m, out)
					}
				} else if m == hc.NetworkMode && !okNetwork[m] {
					t.Fatalf("forwarded NetworkMode %q: %s", m, out)
				}
			}
			for _, ref := range append(append([]string{}, hc.VolumesFrom...), hc.Links...) {
				if name, _, _ := strings.Cut(ref, ":"); !okContainer[name] {
					t.Fatalf("forwarded a reference to container %q: %s", ref, out)
				}
			}
			for _, b := range hc.Binds {
				if src, _, _ := strings.Cut(b, ":"); src == "b-vol" {
					t.Fatalf("forwarded b's volume: %s", out)
				}
			}
		}
		if w.NetworkingConfig != nil {
			for name := range w.NetworkingConfig.EndpointsConfig {
				if !okNetwork[name] {
					t.Fatalf("forwarded endpoint on network %q: %s", name, out)
				}
			}
		}
		for _, v := range s.Volumes {
			if v.Labels[owner.Key] != "a" && v.Name != "b-vol" {
				t.Fatalf("made volume %+v", v)
			}
		}
	})
}
