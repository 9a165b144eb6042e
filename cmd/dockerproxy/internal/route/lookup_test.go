package route_test

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
)

// muxRoute is one route as gorilla/mux compiles it: the template turned
// into an anchored regexp, variables with their patterns (default
// "[^/]+"), literals quoted.
type muxRoute struct {
	method string
	re     *regexp.Regexp
	ep     *route.Endpoint
	ver    bool
}

var varRE = regexp.MustCompile(`\{([^}:]+)(?::([^}]+))?\}`)

func muxCompile(tpl string) *regexp.Regexp {
	var b strings.Builder
	b.WriteByte('^')
	last := 0
	for _, m := range varRE.FindAllStringSubmatchIndex(tpl, -1) {
		b.WriteString(regexp.QuoteMeta(tpl[last:m[0]]))
		patt := "[^/]+"
		if m[4] >= 0 {
			patt = tpl[m[4]:m[5]]
		}
		fmt.Fprintf(&b, "(?P<%s>%s)", tpl[m[2]:m[3]], patt)
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(tpl[last:]))
	b.WriteByte('$')
	return regexp.MustCompile(b.String())
}

// reference is dockerd's router rebuilt the way moby builds it
// (api/server/server.go createMux): for every route, in registration
// order, "/v{version:[0-9.]+}"+path and then path, each with its method;
// the debug routes as "/debug"+path for any method.
var reference = func() []muxRoute {
	var rs []muxRoute
	for _, e := range route.Endpoints {
		if e.Versioned {
			rs = append(rs, muxRoute{e.Method, muxCompile("/v{version:[0-9.]+}" + e.Path), e, true})
		}
		rs = append(rs, muxRoute{e.Method, muxCompile(e.Path), e, false})
	}
	return rs
}()

// muxLookup is what gorilla/mux's Router.ServeHTTP does: redirect a path
// that cleanPath changes, else the first route whose method and regexp
// match.
func muxLookup(method, p string) (ep *route.Endpoint, version string, redirect bool) {
	clean := p
	if clean == "" {
		clean = "/"
	}
	if clean[0] != '/' {
		clean = "/" + clean
	}
	np := path.Clean(clean)
	if clean[len(clean)-1] == '/' && np != "/" {
		np += "/"
	}
	if np != p {
		return nil, "", true
	}
	for _, r := range reference {
		if r.method != "" && r.method != method {
			continue
		}
		if m := r.re.FindStringSubmatch(p); m != nil {
			if r.ver {
				version = m[r.re.SubexpIndex("version")]
			}
			return r.ep, version, false
		}
	}
	return nil, "", false
}

func check(t *testing.T, method, p string) {
	t.Helper()
	got := route.Lookup(method, p)
	ep, version, redirect := muxLookup(method, p)
	if got.Endpoint != ep || got.Redirect != redirect || (ep != nil && got.Version != version) {
		t.Fatalf("Lookup(%s %q) = %v %q redirect=%v; dockerd's router: %v %q redirect=%v",
			method, p, name(got.Endpoint), got.Version, got.Redirect, name(ep), version, redirect)
	}
	if ep != nil && route.Strip(p) != got.Path {
		t.Fatalf("Strip(%q) = %q, Lookup's path %q", p, route.Strip(p), got.Path)
	}
}

func name(e *route.Endpoint) string {
	if e == nil {
		return "no route"
	}
	return e.Method + " " + e.Path
}

var seeds = []struct{ method, path string }{
	{"GET", "/v1.41/containers/json"},
	{"GET", "/v1.41.0/containers/json"},
	{"GET", "/v1..41/containers/json"},
	{"GET", "/v./containers/json"},
	{"GET", "/v/containers/json"},
	{"GET", "/V1.41/containers/json"},
	{"GET", "/v1.41x/containers/json"},
	{"GET", "/v1.41/v1.41/containers/json"},
	{"GET", "/containers/json"},
	{"GET", "/containers//json"},
	{"GET", "/containers/a/b/json"},
	{"GET", "/containers/a\nb/json"},
	{"GET", "/containers/a/attach/ws"},
	{"GET", "/containers/json/attach/ws"},
	{"GET", "/v1.41/containers/a/../../info"},
	{"GET", "/info/"},
	{"GET", "/networks/"},
	{"GET", "/networks/a/b"},
	{"GET", "/volumes/"},
	{"DELETE", "/containers/a/checkpoints/b"},
	{"DELETE", "/containers/a/checkpoints/b/c"},
	{"DELETE", "/containers/a/"},
	{"DELETE", "/images/reg:5000/x/y:1"},
	{"POST", "/v1.23/containers/a/start"},
	{"POST", "/containers/a/start/kill"},
	{"POST", "/exec/a/start"},
	{"POST", "/services/a/b/update"},
	{"GET", "/debug/pprof/goroutine"},
	{"POST", "/debug/vars"},
	{"GET", "/v1.41/debug/vars"},
	{"HEAD", "/_ping"},
	{"HEAD", "/containers/json"},
	{"get", "/containers/json"},
	{"GET", ""},
	{"GET", "containers/json"},
	{"GET", "/"},
}

func TestLookupSeeds(t *testing.T) {
	for _, s := range seeds {
		check(t, s.method, s.path)
	}
	// And what the policy relies on, spelled out.
	for _, c := range []struct{ method, path, want, version string }{
		{"GET", "/v1.41.0/containers/json", "/containers/json", "1.41.0"},
		{"GET", "/v1.41/containers/a/b/json", "/containers/{name:.*}/json", "1.41"},
		{"GET", "/containers/x/json/attach/ws", "/containers/{name:.*}/attach/ws", ""},
		{"DELETE", "/containers/a/checkpoints/b", "/containers/{name}/checkpoints/{checkpoint}", ""},
		{"POST", "/v1.23/containers/a/start", "/containers/{name:.*}/start", "1.23"},
	} {
		m := route.Lookup(c.method, c.path)
		if m.Endpoint == nil || m.Endpoint.Path != c.want || m.Version != c.version {
			t.Errorf("Lookup(%s %s) = %v %q, want %s %q", c.method, c.path, name(m.Endpoint), m.Version, c.want, c.version)
		}
	}
}

// TestEveryEndpointReachable: each template, with its variables filled,
// routes to itself (a route shadowed by an earlier one would be a table
// mistake).
func TestEveryEndpointReachable(t *testing.T) {
	for _, e := range route.Endpoints {
		p := varRE.ReplaceAllString(e.Path, "x")
		m := e.Method
		if m == "" {
			m = "GET"
		}
		got := route.Lookup(m, p)
		if got.Endpoint != e {
			t.Errorf("%s %s routes to %v", m, p, name(got.Endpoint))
		}
		check(t, m, p)
		if e.Versioned {
			check(t, m, "/v1.41"+p)
		}
	}
}

// FuzzLookup compares Lookup with the regexp router above on paths made
// from a method, a version prefix and a path. The inputs are decoded as
// the Go server decodes a request target, which is what both dockerd and
// the proxy route on. Run longer with
//
//	go test -run '^$' -fuzz FuzzLookup -fuzztime 60s ./cmd/dockerproxy/internal/route/
func FuzzLookup(f *testing.F) {
	for _, s := range seeds {
		f.Add(s.method, s.path)
	}
	for _, e := range route.Endpoints {
		f.Add(e.Method, "/v1.41"+varRE.ReplaceAllString(e.Path, "a%2Fb"))
	}
	f.Fuzz(func(t *testing.T, method, target string) {
		p := target
		if u, err := url.Parse(target); err == nil {
			p = u.Path
		}
		check(t, method, p)
	})
}

// TestLookupGenerated runs the comparison of FuzzLookup on paths built
// from the pieces dockerd's routes are made of (their literal segments,
// version spellings, empty and dot segments, newlines), which random
// bytes rarely hit. It runs with every go test, seeded, so a failure
// reproduces.
func TestLookupGenerated(t *testing.T) {
	pieces := []string{"", ".", "..", "x", "a.b", "v", "v1.41", "v1.41.0", "v.", "v1..2", "V1.41", "v1.41x", "\n", "x\ny", "%2F", "json", "_ping"}
	seen := map[string]bool{}
	for _, e := range route.Endpoints {
		for _, seg := range strings.Split(varRE.ReplaceAllString(e.Path, "x"), "/") {
			if !seen[seg] {
				seen[seg] = true
				pieces = append(pieces, seg)
			}
		}
	}
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "get", "PATCH"}
	rng := rand.New(rand.NewPCG(12, 1))
	n := 6000 // about 5 s under -race on 2 cores
	if testing.Short() {
		n = 1000
	}
	routed := 0
	for i := 0; i < n; i++ {
		var b strings.Builder
		m := methods[rng.IntN(len(methods))]
		if rng.IntN(2) == 0 {
			// A route with its variables filled by pieces (one or more
			// segments), under a version prefix or not.
			if rng.IntN(2) == 0 {
				b.WriteString("/" + pieces[rng.IntN(17)])
			}
			e := route.Endpoints[rng.IntN(len(route.Endpoints))]
			if e.Method != "" && rng.IntN(5) != 0 {
				m = e.Method
			}
			b.WriteString(varRE.ReplaceAllStringFunc(e.Path, func(string) string {
				v := pieces[rng.IntN(len(pieces))]
				for rng.IntN(3) == 0 {
					v += "/" + pieces[rng.IntN(len(pieces))]
				}
				return v
			}))
		} else {
			for k := 1 + rng.IntN(6); k > 0; k-- {
				b.WriteByte('/')
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
		}
		if rng.IntN(8) == 0 {
			b.WriteByte('/')
		}
		check(t, m, b.String())
		if route.Lookup(m, b.String()).Endpoint != nil {
			routed++
		}
	}
	// Most paths route nowhere; enough must route for the comparison to
	// mean something.
	if routed < n/50 {
		t.Fatalf("only %d of %d generated paths route to an endpoint", routed, n)
	}
	t.Logf("%d of %d generated paths route to an endpoint", routed, n)
}

func TestFirstVar(t *testing.T) {
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/containers/abc/json", "abc"},
		{"GET", "/containers/a/json/json", "a/json"},
		{"DELETE", "/containers/a/checkpoints/b", "a"},
		{"POST", "/images/reg:5000/x/y:1/tag", "reg:5000/x/y:1"},
		{"GET", "/networks/n1", "n1"},
		{"DELETE", "/containers/c1", "c1"},
		{"POST", "/exec/e1/start", "e1"},
	} {
		m := route.Lookup(c.method, c.path)
		if m.Endpoint == nil {
			t.Fatalf("%s %s: no route", c.method, c.path)
		}
		s, e, ok := m.Endpoint.FirstVar(m.Path)
		if !ok || m.Path[s:e] != c.want {
			t.Errorf("%s %s (%s): %q %v, want %q", c.method, c.path, m.Endpoint.Path, m.Path[s:e], ok, c.want)
		}
	}
}
