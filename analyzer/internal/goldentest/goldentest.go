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
	dirs := make([]string, len(patterns))
	for i, pattern := range patterns {
		dirs[i] = filepath.Join(testdata, "src", filepath.FromSlash(pattern))
	}
	env := append(os.Environ(), "GOPATH="+testdata, "GO111MODULE=off", "GOPROXY=off", "GOFLAGS=")
	compile(t, testdata, env, dirs, patterns)
}

// CompileModule does what Compile does for packages of the module rooted
// at dir (patterns such as "./gin"), whose dependencies must already be in
// the module cache.
func CompileModule(t *testing.T, dir string, patterns ...string) {
	t.Helper()
	dirs := make([]string, len(patterns))
	for i, pattern := range patterns {
		dirs[i] = filepath.Join(dir, filepath.FromSlash(pattern))
	}
	env := append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off")
	compile(t, dir, env, dirs, patterns)
}

func compile(t *testing.T, dir string, env, pkgDirs, patterns []string) {
	t.Helper()
	overlay := make(map[string][]byte)
	for _, pkgDir := range pkgDirs {
		goldens, _ := filepath.Glob(filepath.Join(pkgDir, "*.go.golden"))
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
		Dir:     dir,
		Env:     env,
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
