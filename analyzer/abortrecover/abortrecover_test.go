package abortrecover_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/streamvet/streamvet/analyzer/abortrecover"
)

func testdata() string {
	dir, _ := filepath.Abs("../../testdata")
	return dir
}

func TestAnalyzer(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, testdata(), abortrecover.Analyzer, "abortrecover/a")
}
