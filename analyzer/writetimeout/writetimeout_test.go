package writetimeout_test

import (
	"os"
	"os/exec"
	"path/filepath"
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

// TestBlog runs the check on the program from the blog post.
func TestBlog(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, testdata(t), writetimeout.Analyzer, "blog")
}

// TestShapes covers the positive and negative shapes, with their fixes.
func TestShapes(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, testdata(t), writetimeout.Analyzer, "wt", "wtmux", "wtiface")
}

// TestGeneratedMount: a generated Mount(mux, h) registers the fields of
// the server struct it is given; the program's literal decides what the
// mux serves. Facts flow through the generated file.
func TestGeneratedMount(t *testing.T) {
	analysistest.Run(t, testdata(t), writetimeout.Analyzer, "wtgoa/app")
}

// TestRegisteredElsewhere: a server built in one package serves routes
// that another registers on its router, in a third: reported where the
// three meet, in either import order.
func TestRegisteredElsewhere(t *testing.T) {
	analysistest.Run(t, testdata(t), writetimeout.Analyzer, "wt3/server", "wt3/cmd", "wt3/cmd2")
}

// TestKnobs: a timeout from a configuration field cuts streams only when
// the program gives the field a value.
func TestKnobs(t *testing.T) {
	analysistest.Run(t, testdata(t), writetimeout.Analyzer, "wtknob/confighttp", "wtknob/user", "wtknob/cmd", "wtknob/internal/query", "wtknob/cmdset")
}

// TestStructFields: a server, its router and the handlers behind it kept
// in fields of the program's struct, set by its methods.
func TestStructFields(t *testing.T) {
	analysistest.Run(t, testdata(t), writetimeout.Analyzer, "wtfields/cli")
}

// TestFactories: the handler for a request made per request by a factory
// used through an interface (FactoryToHandler(&GatewayFactory{})).
func TestFactories(t *testing.T) {
	analysistest.Run(t, testdata(t), writetimeout.Analyzer, "wtfactory/handler", "wtfactory/gw", "wtfactory/cmd")
}

// TestPlugins: a server hands its router to plugins through an interface
// method; the plugins, in packages that import the server's, are reported
// where they register a stream.
func TestPlugins(t *testing.T) {
	analysistest.Run(t, testdata(t), writetimeout.Analyzer, "wtplugin/web", "wtplugin/a2a", "wtplugin/jsonapi")
}

// TestEventWriters: an SDK's event writer (sse.NewWriter(w), then
// WriteData in a loop) flushes the response from another package.
func TestEventWriters(t *testing.T) {
	analysistest.Run(t, testdata(t), writetimeout.Analyzer, "wtsse/cmd")
}

// TestForwardedFlush: a writer wrapper whose Flush forwards to the writer
// it wraps (promhttp's delegators) streams nothing.
func TestForwardedFlush(t *testing.T) {
	analysistest.Run(t, testdata(t), writetimeout.Analyzer, "wtprom/app")
}

// TestFixedCodeBuilds builds the testdata with every fix applied (the
// .golden files in place of their sources): a fix must never break the build.
func TestFixedCodeBuilds(t *testing.T) {
	gopath := t.TempDir()
	for _, pkg := range []string{"blog", "wt", "wtlib", "wtmux"} {
		src := filepath.Join(testdata(t), "src", pkg)
		dst := filepath.Join(gopath, "src", pkg)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join(src, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file + ".golden")
			if os.IsNotExist(err) {
				data, err = os.ReadFile(file)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, filepath.Base(file)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := exec.Command("go", "vet", "blog", "wt", "wtlib", "wtmux")
	cmd.Dir = gopath
	cmd.Env = append(os.Environ(), "GO111MODULE=off", "GOPATH="+gopath, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fixed testdata does not build: %v\n%s", err, out)
	}
}
