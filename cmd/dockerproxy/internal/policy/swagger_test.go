package policy

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
)

// swaggerEndpoint is one path and method of the Engine API definition,
// with whether it takes a body.
type swaggerEndpoint struct {
	method, path string
	body         bool
}

// readSwagger finds the swagger.yaml of the module the body types come
// from (github.com/moby/moby/api at the version go.mod names) in the
// module cache, and lists its endpoints. It reads the two levels of the
// paths map and each operation's "in: body" parameter, which is all the
// test needs, without a YAML library.
func readSwagger(t *testing.T) (version string, eps []swaggerEndpoint) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-json", "github.com/moby/moby/api").Output()
	var mod struct{ Version, Dir string }
	if err == nil {
		err = json.Unmarshal(out, &mod)
	}
	if err == nil && mod.Dir == "" {
		err = os.ErrNotExist
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("github.com/moby/moby/api is not in the module cache under CI=true (.ci/setup runs go mod download): %v", err)
		}
		t.Skipf("github.com/moby/moby/api is not in the module cache (go mod download): %v", err)
	}
	f, err := os.Open(filepath.Join(mod.Dir, "swagger.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pathLine := regexp.MustCompile(`^  (/[^ ]*):\s*$`)
	opLine := regexp.MustCompile(`^    (get|post|put|delete|head|patch):\s*$`)
	var inPaths bool
	var cur string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "info:"):
		case strings.HasPrefix(l, `  version: "`) && version == "":
			version = strings.Trim(strings.TrimPrefix(l, "  version: "), `"`)
		case l == "paths:":
			inPaths = true
			continue
		case len(l) > 0 && l[0] != ' ' && l[0] != '#':
			inPaths = false
		}
		if !inPaths {
			continue
		}
		if m := pathLine.FindStringSubmatch(l); m != nil {
			cur = m[1]
		} else if m := opLine.FindStringSubmatch(l); m != nil {
			eps = append(eps, swaggerEndpoint{method: strings.ToUpper(m[1]), path: cur})
		} else if strings.TrimSpace(l) == `in: "body"` && len(eps) > 0 {
			eps[len(eps)-1].body = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(eps) < 100 {
		t.Fatalf("read %d endpoints from %s: the file's layout changed", len(eps), f.Name())
	}
	return version, eps
}

var templateVar = regexp.MustCompile(`\{[^}]*\}`)

// TestSwaggerCoverage: every endpoint of the Engine API version the body
// types track is routed to an endpoint of the table with the same
// template, so a profile decides on it (full allows every routed endpoint
// but those it names); an endpoint that takes a body is one the policy
// reads, and a JSON body has a rule of its own.
func TestSwaggerCoverage(t *testing.T) {
	version, eps := readSwagger(t)
	if version != bodyrule.APIVersion {
		t.Errorf("swagger.yaml is API %s, bodyrule.APIVersion says %s", version, bodyrule.APIVersion)
	}
	norm := func(p string) string { return templateVar.ReplaceAllString(p, "{}") }
	covered := map[*route.Endpoint]bool{}
	for _, s := range eps {
		m := route.Lookup(s.method, "/v"+version+templateVar.ReplaceAllString(s.path, "x"))
		e := m.Endpoint
		switch {
		case e == nil:
			t.Errorf("%s %s: not in the route table, so no profile classifies it", s.method, s.path)
			continue
		case norm(e.Path) != norm(s.path):
			t.Errorf("%s %s: routed as %s %s", s.method, s.path, e.Method, e.Path)
			continue
		case s.body && e.Body == route.NoBody:
			t.Errorf("%s %s takes a body; the table says it reads none (the policy would refuse every body)", s.method, s.path)
		case e.Body == route.JSON && bodyRules[e.Method+" "+e.Path] == nil:
			t.Errorf("%s %s reads a JSON body without a rule in bodyRules", s.method, s.path)
		}
		covered[e] = true
	}
	for _, e := range route.Endpoints {
		if e.Versioned && !covered[e] && e.Path != "/networks/" && e.Path != "/session" && e.Path != "/grpc" && e.Path != "/images/get" {
			// Kept for dockerd 20.10: its router still has them.
			t.Logf("%s %s: in the table, not in API %s", e.Method, e.Path, version)
		}
	}
	t.Logf("%d endpoints of API %s, each classified", len(eps), version)
}
