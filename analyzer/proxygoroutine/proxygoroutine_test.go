package proxygoroutine_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/streamvet/streamvet/analyzer/internal/goldentest"
	"github.com/streamvet/streamvet/analyzer/proxygoroutine"
)

func testdata() string {
	dir, _ := filepath.Abs("../../testdata")
	return dir
}

var pkgs = []string{"proxygoroutine/a", "proxygoroutine/stream", "proxygoroutine/user"}

func TestAnalyzer(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, testdata(), proxygoroutine.Analyzer, pkgs...)
}

// TestFixesCompile type-checks the testdata with every fix applied.
func TestFixesCompile(t *testing.T) {
	goldentest.Compile(t, testdata(), "proxygoroutine/a")
}

// TestFrameworks runs the check on handlers of real frameworks (a module
// of its own under testdata/frameworks).
func TestFrameworks(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, filepath.Join(testdata(), "frameworks"), proxygoroutine.Analyzer, "./goroutines")
}

// TestFrameworkFixesCompile type-checks the framework testdata with every
// fix applied.
func TestFrameworkFixesCompile(t *testing.T) {
	goldentest.CompileModule(t, filepath.Join(testdata(), "frameworks"), "./goroutines")
}
