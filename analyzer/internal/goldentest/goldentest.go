// Package goldentest checks that the suggested fixes of a check leave
// code that compiles: it type-checks testdata packages with every .golden
// file in place of the file it fixes.
package goldentest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// Compile loads the packages named by patterns from testdata/src (GOPATH
// layout, as analysistest uses), with each x.go.golden standing in for
// x.go, and reports every error. It fails when no golden file is found.
func Compile(t *testing.T, testdata string, patterns ...string) {
	t.Helper()
	overlay := make(map[string][]byte)
	for _, pattern := range patterns {
		dir := filepath.Join(testdata, "src", filepath.FromSlash(pattern))
		goldens, _ := filepath.Glob(filepath.Join(dir, "*.go.golden"))
		for _, g := range goldens {
			data, err := os.ReadFile(g)
			if err != nil {
				t.Fatal(err)
			}
			overlay[strings.TrimSuffix(g, ".golden")] = data
		}
	}
	if len(overlay) == 0 {
		t.Fatalf("no .golden files under %v", patterns)
	}
	cfg := &packages.Config{
		Mode:    packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedDeps | packages.NeedImports,
		Dir:     testdata,
		Env:     append(os.Environ(), "GOPATH="+testdata, "GO111MODULE=off", "GOPROXY=off", "GOFLAGS="),
		Overlay: overlay,
		Tests:   false,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	used := make(map[string]bool)
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, f := range p.GoFiles {
			used[f] = true
		}
		for _, e := range p.Errors {
			t.Errorf("%s: fixed code does not compile: %v", p.PkgPath, e)
		}
	})
	for f := range overlay {
		if !used[f] {
			t.Errorf("%s.golden was not compiled", f)
		}
	}
}
