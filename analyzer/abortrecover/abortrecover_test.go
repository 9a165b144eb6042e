package abortrecover_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/streamvet/streamvet/analyzer/abortrecover"
	"github.com/streamvet/streamvet/analyzer/internal/goldentest"
)

func testdata() string {
	dir, _ := filepath.Abs("../../testdata")
	return dir
}

var pkgs = []string{"abortrecover/a", "abortrecover/recovery", "abortrecover/user", "abortrecover/fix", "abortrecover/lib", "abortrecover/precision", "abortrecover/jsononly", "abortrecover/internal/mw", "abortrecover/ownmux", "abortrecover/treemuxuser", "abortrecover/treemuxlogged", "abortrecover/internal/sock"}

func TestAnalyzer(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, testdata(), abortrecover.Analyzer, pkgs...)
}

// TestFixesCompile type-checks the testdata with every fix applied.
func TestFixesCompile(t *testing.T) {
	goldentest.Compile(t, testdata(), pkgs...)
}

// TestFrameworks runs the check on the recovery middleware of real
// frameworks (a module of its own under testdata/frameworks).
func TestFrameworks(t *testing.T) {
	dir := filepath.Join(testdata(), "frameworks")
	analysistest.RunWithSuggestedFixes(t, dir, abortrecover.Analyzer, "./recoverers", "./ginjson", "./ginshared/engine", "./ginshared/web", "./gorillashared/recovery", "./gorillashared/query")
}

// TestFrameworkFixesCompile type-checks the framework testdata with every
// fix applied.
func TestFrameworkFixesCompile(t *testing.T) {
	goldentest.CompileModule(t, filepath.Join(testdata(), "frameworks"), "./recoverers")
}

// TestSDKs: recovery of one dependency (gin) in front of a proxy that
// another builds (vulcand/oxy's balancer, forwarding with a
// ReverseProxy), with the fix, which builds.
func TestSDKs(t *testing.T) {
	dir := filepath.Join(testdata(), "sdks")
	analysistest.RunWithSuggestedFixes(t, dir, abortrecover.Analyzer, "./oxyrecover")
	goldentest.CompileModule(t, dir, "./oxyrecover")
}
