package ctxdetach_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/streamvet/streamvet/analyzer/ctxdetach"
	"github.com/streamvet/streamvet/analyzer/internal/goldentest"
)

func testdata() string {
	dir, _ := filepath.Abs("../../testdata")
	return dir
}

func TestCtxdetach(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, testdata(), ctxdetach.Analyzer, "ctxdetach", "ctxdetach/detach")
}

// TestFixesCompile type-checks the fixed files.
func TestFixesCompile(t *testing.T) {
	goldentest.Compile(t, testdata(), "ctxdetach", "ctxdetach/detach")
}

// TestFrameworks runs the check on handlers of real frameworks (a module
// of its own under testdata/frameworks).
func TestFrameworks(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, filepath.Join(testdata(), "frameworks"), ctxdetach.Analyzer, "./detached")
}
