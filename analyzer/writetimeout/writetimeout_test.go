package writetimeout_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/streamvet/streamvet/analyzer/writetimeout"
)

func testdata(t *testing.T) string {
	dir, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// shapes are the testdata packages, each set with what it covers. They
// are analysed in one load, so net/http and what it imports are
// type-checked from source once rather than once per set (eleven loads
// took 170 s on two cores under load, one takes a tenth of that).
var shapes = []struct {
	doc  string
	pkgs []string
}{
	{"the program from the blog post", []string{"blog"}},
	{"the positive and negative shapes, with their fixes", []string{"wt", "wtmux", "wtiface"}},
	{"a generated Mount(mux, h) registers the fields of the server struct it is given; the program's literal decides what the mux serves; facts flow through the generated file",
		[]string{"wtgoa/app"}},
	{"a server built in one package serves routes that another registers on its router, in a third: reported where the three meet, in either import order",
		[]string{"wt3/server", "wt3/cmd", "wt3/cmd2"}},
	{"a timeout from a configuration field cuts streams only when the program gives the field a value",
		[]string{"wtknob/confighttp", "wtknob/user", "wtknob/cmd", "wtknob/internal/query", "wtknob/cmdset",
			"wtknob/listen/config", "wtknob/listen/serve", "wtknob/listen/cmd", "wtknob/listen/cmdset"}},
	{"a server, its router and the handlers behind it kept in fields of the program's struct, set by its methods", []string{"wtfields/cli"}},
	{"the handler for a request made per request by a factory used through an interface (FactoryToHandler(&GatewayFactory{}))",
		[]string{"wtfactory/handler", "wtfactory/gw", "wtfactory/cmd"}},
	{"a server hands its router to plugins through an interface method; the plugins, in packages that import the server's, are reported where they register a stream",
		[]string{"wtplugin/web", "wtplugin/a2a", "wtplugin/jsonapi"}},
	{"an SDK's event writer (sse.NewWriter(w), then WriteData in a loop) flushes the response from another package", []string{"wtsse/cmd"}},
	{"a gateway whose router is swapped atomically on reload (atomic.Value, atomic.Pointer), an endpoint that copies through a local function variable (copyFunc := io.Copy), a server built around a wrapped handler parameter (h2c.NewHandler(handler, s))",
		[]string{"wtreload/server", "wtreload/gateway", "wtreload/cmd"}},
	{"an application framework's router: actions registered on groups by functions of the package, the mux its BuildMux builds from them, a server configured through the field of the event a hook gets (e.Server.Handler = handler)",
		[]string{"wtpb/apis"}},
	{"a server library whose helper builds one server per listener around the router of the struct it is given, returned with an error: the commands registering on its Router() are reported",
		[]string{"wtinst/libhttp", "wtinst/serve", "wtinst/status"}},
	{"a writer wrapper whose Flush forwards to the writer it wraps (promhttp's delegators) streams nothing", []string{"wtprom/app"}},
}

// TestShapes runs the check on every set of shapes, with the fixes.
func TestShapes(t *testing.T) {
	var pkgs []string
	for _, s := range shapes {
		pkgs = append(pkgs, s.pkgs...)
	}
	analysistest.RunWithSuggestedFixes(t, testdata(t), writetimeout.Analyzer, pkgs...)
}

// TestFixedCodeBuilds builds the testdata with every fix applied (the
// .golden files in place of their sources): a fix must never break the
// build. Every package with a .golden file is vetted, with the packages
// of its tree it imports.
func TestFixedCodeBuilds(t *testing.T) {
	gopath := t.TempDir()
	src := filepath.Join(testdata(t), "src")
	var fixed []string
	for _, root := range []string{"blog", "wt", "wtlib", "wtmux", "wtiface", "wtgoa", "wtknob", "wtfields", "wtfactory", "wtsse", "wtpb", "wtreload"} {
		err := filepath.WalkDir(filepath.Join(src, root), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(path) != ".go" {
				return err
			}
			rel, _ := filepath.Rel(src, path)
			data, err := os.ReadFile(path + ".golden")
			if err == nil {
				if pkg := filepath.ToSlash(filepath.Dir(rel)); !slices.Contains(fixed, pkg) {
					fixed = append(fixed, pkg)
				}
			} else if os.IsNotExist(err) {
				data, err = os.ReadFile(path)
			}
			if err != nil {
				return err
			}
			dst := filepath.Join(gopath, "src", rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			return os.WriteFile(dst, data, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(fixed) < 8 {
		t.Fatalf("only %d packages have .golden files: %v", len(fixed), fixed)
	}
	cmd := exec.Command("go", append([]string{"vet"}, fixed...)...)
	cmd.Dir = gopath
	cmd.Env = append(os.Environ(), "GO111MODULE=off", "GOPATH="+gopath, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fixed testdata does not build: %v\n%s", err, out)
	}
}
