package writetimeout_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/streamvet/streamvet/analyzer/internal/goldentest"
	"github.com/streamvet/streamvet/analyzer/writetimeout"
)

// frameworks is the module of real frameworks under testdata.
func frameworks(t *testing.T) string {
	dir, err := filepath.Abs("../../testdata/frameworks")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// frameworkPkgs are the apps written on gin, echo v4 and v5, chi,
// gorilla/mux and httprouter.
var frameworkPkgs = []string{"wtgin", "wtecho4", "wtecho5", "wtrouters", "wtroutes"}

// TestFrameworks runs the check on apps written on real frameworks, with
// their fixes.
func TestFrameworks(t *testing.T) {
	var pkgs []string
	for _, p := range frameworkPkgs {
		pkgs = append(pkgs, "./"+p)
	}
	analysistest.RunWithSuggestedFixes(t, frameworks(t), writetimeout.Analyzer, pkgs...)
}

// TestFrameworkFixesBuild builds the framework apps with every fix
// applied (the .golden files in place of their sources).
func TestFrameworkFixesBuild(t *testing.T) {
	src := frameworks(t)
	dst := t.TempDir()
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var pkgs []string
	for _, pkg := range frameworkPkgs {
		pkgs = append(pkgs, "./"+pkg+"/...")
		err := filepath.WalkDir(filepath.Join(src, pkg), func(file string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(file) != ".go" {
				return err
			}
			rel, err := filepath.Rel(src, file)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(file + ".golden")
			if os.IsNotExist(err) {
				data, err = os.ReadFile(file)
			}
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", append([]string{"vet"}, pkgs...)...)
	cmd.Dir = dst
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fixed framework apps do not build: %v\n%s", err, out)
	}
}

// TestServesParam checks the facts of functions that build a server
// around a handler parameter.
func TestServesParam(t *testing.T) {
	analysistest.Run(t, frameworks(t), writetimeout.Analyzer, "./wtroutes/serve")
}

// TestSDKs runs the check on servers of real SDKs whose streams live in
// their own code (MCP over SSE and streamable HTTP, a proxy library's
// load balancer), with their fixes,
// and builds the fixed code.
func TestSDKs(t *testing.T) {
	dir, err := filepath.Abs("../../testdata/sdks")
	if err != nil {
		t.Fatal(err)
	}
	analysistest.RunWithSuggestedFixes(t, dir, writetimeout.Analyzer, "./mcp", "./oxyserver")
	goldentest.CompileModule(t, dir, "./mcp", "./oxyserver")
}
